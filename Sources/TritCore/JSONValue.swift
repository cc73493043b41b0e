/// A parsed JSON value that keeps object key order and each number's source text.
///
/// tritsim parses JSON itself (no Foundation `JSONSerialization`) so that errors carry line and
/// column, booleans and numbers are never confused, and integers are exact up to `Int64`.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text so that integers stay exact.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order. Duplicate keys are rejected by the parser.
    case object([(key: String, value: JSONValue)])

    /// Structural equality; numbers compare by value (`1.0 == 1`), objects by ordered members.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b || Double(a) == Double(b)
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short description of the value's kind and, for scalars, its value, for error messages.
    public var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let text): return "number \(text)"
        case .string(let s): return "string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array(let items): return "an array of \(items.count)"
        case .object: return "an object"
        }
    }

    /// The value of `key` if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }
}
