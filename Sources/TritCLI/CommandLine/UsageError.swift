/// The command line itself is malformed: an unknown subcommand or option, a missing option value,
/// a value of the wrong shape (`--batch abc`), or a stray argument. Exit code 2.
///
/// Contrast with `InputError` (exit code 1): a well-formed value that is out of range or names
/// something that does not exist.
public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, on one line, without the `tritsim: error:` prefix.
    public var message: String
    /// The help command to suggest, e.g. `tritsim run --help`.
    public var helpCommand: String

    /// Creates a usage error with a `message` and the help command to suggest.
    public init(_ message: String, helpCommand: String) {
        self.message = message
        self.helpCommand = helpCommand
    }

    /// The message.
    public var description: String { message }
}
