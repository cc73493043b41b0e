import Foundation

/// Reads typed fields out of one JSON object and names the file and the field path in every error.
///
/// Config loaders use it instead of `Codable` so that a bad value is reported as
/// `chips/edge.json: sram.capacityBytes: expected an integer > 0, found number -4`.
public struct JSONObjectReader {
    /// The file the object came from, as the user named it.
    public let source: String
    /// Dotted path of this object inside the file (empty at the top level).
    public let path: String
    private let members: [(key: String, value: JSONValue)]

    /// Wraps `value`, which must be an object.
    /// - Throws: `InputError` if `value` is not an object.
    public init(_ value: JSONValue, source: String, path: String = "") throws {
        guard case .object(let members) = value else {
            throw InputError(source: source, location: path.isEmpty ? "top level" : path,
                             expected: "an object", found: value.summary)
        }
        self.source = source
        self.path = path
        self.members = members
    }

    /// Largest config file read: 64 MiB, far above any config (the largest shipped is a few kB),
    /// so a wrong path to a multi-GB file is refused instead of exhausting memory.
    public static let maximumFileBytes = 64 << 20

    /// Reads and parses the JSON object in a file.
    /// - Throws: `InputError` if the file cannot be read, is larger than `maximumFileBytes`, is
    ///   not JSON, or is not an object.
    public static func load(file url: URL, displayName: String? = nil) throws -> JSONObjectReader {
        let name = displayName ?? url.path
        if let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
           let size = attributes[.size] as? NSNumber, size.int64Value > Int64(maximumFileBytes) {
            throw InputError(source: name, location: "", expected: "a config file of at most \(maximumFileBytes) bytes",
                             found: "\(size.int64Value) bytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            throw InputError(source: name, location: "", expected: "a readable JSON file",
                             found: !exists ? "no such file" : isFolder.boolValue ? "a folder" : "a file that cannot be read")
        }
        return try JSONObjectReader(JSONParser.parse([UInt8](data), source: name), source: name)
    }

    /// The member names, in file order.
    public var keys: [String] { members.map(\.key) }

    /// Whether the object has `key`.
    public func contains(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The raw value of `key`, if present.
    public func value(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    /// The dotted path of a member, for messages.
    public func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key` in this object.
    public func error(_ key: String, expected: String, found: String) -> InputError {
        InputError(source: source, location: fieldPath(key), expected: expected, found: found)
    }

    /// Throws if the object has a member outside `allowed`, so typos in configs are caught.
    public func rejectUnknownKeys(_ allowed: [String]) throws {
        for key in keys where !allowed.contains(key) {
            throw error(key, expected: "one of the known fields (\(allowed.joined(separator: ", ")))",
                        found: "unknown field \"\(key)\"")
        }
    }

    private func required(_ key: String, _ kind: String) throws -> JSONValue {
        guard let value = value(key) else { throw error(key, expected: kind, found: "nothing (field missing)") }
        return value
    }

    /// A required integer (no fraction, no exponent), within `range`.
    public func int(_ key: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws -> Int64 {
        try parseInt(key, try required(key, describe(range)), range)
    }

    /// A required positive integer, as `Int`.
    public func positiveInt(_ key: String) throws -> Int {
        Int(try int(key, in: 1...Int64(Int32.max) * 1024))
    }

    private func describe(_ range: ClosedRange<Int64>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (Int64.min, Int64.max): return "an integer"
        case (let low, Int64.max): return "an integer ≥ \(low)"
        case (let low, let high) where low == 1 && high == Int64(Int32.max) * 1024: return "an integer > 0"
        case (let low, let high): return "an integer in \(low)...\(high)"
        }
    }

    private func parseInt(_ key: String, _ value: JSONValue, _ range: ClosedRange<Int64>) throws -> Int64 {
        let kind = describe(range)
        guard case .number(let text) = value else { throw error(key, expected: kind, found: value.summary) }
        let parsed: Int64
        if let exact = Int64(text) {
            parsed = exact
        } else if let double = Double(text), double.rounded() == double, abs(double) < 9.0e18 {
            parsed = Int64(double)
        } else {
            throw error(key, expected: kind, found: value.summary)
        }
        guard range.contains(parsed) else { throw error(key, expected: kind, found: value.summary) }
        return parsed
    }

    /// A required finite number within `range`.
    public func double(_ key: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
                       describing: String? = nil) throws -> Double {
        let kind = describing ?? describe(range)
        return try parseDouble(key, try required(key, kind), range, kind)
    }

    /// A required number > 0.
    public func positiveDouble(_ key: String) throws -> Double {
        try double(key, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude, describing: "a number > 0")
    }

    /// An optional number; `nil` when absent or `null`.
    public func optionalDouble(_ key: String, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
        guard let value = value(key), value != .null else { return nil }
        return try parseDouble(key, value, range, describe(range))
    }

    /// A range for messages, numbers in `%g` form: `1e+09...1e+15`.
    public static func format(_ range: ClosedRange<Double>) -> String {
        String(format: "%g...%g", range.lowerBound, range.upperBound)
    }

    private func describe(_ range: ClosedRange<Double>) -> String {
        let full = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        if range == full { return "a number" }
        if range.upperBound == Double.greatestFiniteMagnitude { return String(format: "a number ≥ %g", range.lowerBound) }
        return "a number in \(JSONObjectReader.format(range))"
    }

    private func parseDouble(_ key: String, _ value: JSONValue, _ range: ClosedRange<Double>, _ kind: String) throws -> Double {
        guard case .number(let text) = value, let parsed = Double(text) else {
            throw error(key, expected: kind, found: value.summary)
        }
        guard parsed.isFinite else {
            throw error(key, expected: "a finite number (\(kind))", found: "\(value.summary), beyond the largest double")
        }
        guard range.contains(parsed) else { throw error(key, expected: kind, found: value.summary) }
        return parsed
    }

    /// A required string.
    public func string(_ key: String) throws -> String {
        let value = try required(key, "a string")
        guard case .string(let text) = value else { throw error(key, expected: "a string", found: value.summary) }
        return text
    }

    /// An optional string.
    public func optionalString(_ key: String) throws -> String? {
        guard let value = value(key), value != .null else { return nil }
        guard case .string(let text) = value else { throw error(key, expected: "a string", found: value.summary) }
        return text
    }

    /// A required boolean.
    public func bool(_ key: String) throws -> Bool {
        let value = try required(key, "true or false")
        guard case .bool(let flag) = value else { throw error(key, expected: "true or false", found: value.summary) }
        return flag
    }

    /// An optional boolean.
    public func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key), value != .null else { return nil }
        guard case .bool(let flag) = value else { throw error(key, expected: "true or false", found: value.summary) }
        return flag
    }

    /// A required string that must be the raw value of one case of `T`.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, of type: T.Type) throws -> T where T.RawValue == String {
        let names = T.allCases.map(\.rawValue).joined(separator: ", ")
        let value = try required(key, "one of \(names)")
        guard case .string(let text) = value, let chosen = T(rawValue: text) else {
            throw error(key, expected: "one of \(names)", found: value.summary)
        }
        return chosen
    }

    /// A required nested object.
    public func object(_ key: String) throws -> JSONObjectReader {
        let value = try required(key, "an object")
        return try JSONObjectReader(value, source: source, path: fieldPath(key))
    }

    /// An optional nested object (nil when absent).
    public func optionalObject(_ key: String) throws -> JSONObjectReader? {
        guard let value = value(key) else { return nil }
        return try JSONObjectReader(value, source: source, path: fieldPath(key))
    }

    /// A required array of objects; element i is read with the path `key[i]`.
    /// - Throws: `InputError` naming the field if it is missing, not an array, or an element is not an object.
    public func objects(_ key: String) throws -> [JSONObjectReader] {
        let value = try required(key, "an array of objects")
        guard case .array(let items) = value else { throw error(key, expected: "an array of objects", found: value.summary) }
        return try items.enumerated().map { index, item in
            try JSONObjectReader(item, source: source, path: "\(fieldPath(key))[\(index)]")
        }
    }
}
