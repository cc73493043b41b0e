import TritCore

/// The options given to one subcommand, checked against its option table, with typed accessors
/// that fall back to the table's defaults.
struct ParsedArguments: Sendable {
    /// The option table the arguments were parsed against.
    let table: [OptionSpec]
    /// Values of value options that were given, by option name.
    let values: [String: String]
    /// Names of flags that were given.
    let flags: Set<String>
    /// The help command suggested in usage errors (`tritsim run --help`).
    let helpCommand: String

    /// The given value of option `name`, else its default, else nil.
    func string(_ name: String) -> String? {
        values[name] ?? table.first { $0.name == name }?.defaultValue
    }

    /// The given value or default of option `name`, which must not be empty.
    /// - Throws: `InputError` if the value is empty (or there is neither value nor default).
    func nonEmptyString(_ name: String, expected: String) throws -> String {
        guard let text = string(name), !text.isEmpty else {
            let spec = table.first { $0.name == name }
            let location: String
            if let spec, case .positional = spec.kind { location = spec.synopsis } else { location = "--" + name }
            throw InputError(source: "command line", location: location, expected: expected, found: "an empty value")
        }
        return text
    }

    /// Whether flag `name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The given value or default of option `name` as an integer of at least `minimum`.
    /// - Throws: `UsageError` if the text is not an integer (`abc`, `1.5`); `InputError` if it is
    ///   an integer below `minimum` or too large for `Int`.
    func integer(_ name: String, minimum: Int, maximum: Int = Int.max) throws -> Int {
        let expected = maximum == Int.max ? "an integer in \(minimum)...\(Int.max) (2^63 − 1)" : "an integer in \(minimum)...\(maximum)"
        guard let text = string(name) else {
            throw InputError(source: "command line", location: "--" + name, expected: expected, found: "no value")
        }
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw UsageError("option '--\(name)' expects an integer, found '\(text)'", helpCommand: helpCommand)
        }
        guard let value = Int(text), value >= minimum, value <= maximum else {
            throw InputError(source: "command line", location: "--" + name, expected: expected, found: text)
        }
        return value
    }
}
