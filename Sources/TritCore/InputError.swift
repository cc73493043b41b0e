/// A problem with something the user supplied: a file, a field in it, or a command-line value.
///
/// Every parser and config loader in tritsim throws this one type, so the command line can print
/// any of them on one line (`file: location: expected …, found …`) and exit with code 1.
public struct InputError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file (path as given by the user) or pseudo-source such as `command line`.
    public var source: String
    /// Where in the source: a field path (`ternaryArray.rows`), `line 12, column 4`, or an option.
    public var location: String
    /// What was expected, in words the user can act on.
    public var expected: String
    /// What was found instead.
    public var found: String

    /// Creates an error naming the source, the location in it, what was expected and what was found.
    public init(source: String, location: String, expected: String, found: String) {
        self.source = source
        self.location = location
        self.expected = expected
        self.found = found
    }

    /// One line: `source: location: expected …, found …`.
    public var description: String {
        let place = location.isEmpty ? source : "\(source): \(location)"
        return "\(place): expected \(expected), found \(found)"
    }
}
