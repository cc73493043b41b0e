/// One `tritsim` subcommand: a value parsed from the command line that runs one library call.
///
/// Contract: `init(parsing:)` converts and validates every option (throwing `UsageError` for
/// malformed text, `InputError` for well-formed but invalid values) and touches nothing outside
/// the arguments; `run(in:)` calls the library, prints through the context, and throws any error
/// for `ExitStatus` to map to an exit code. Help text comes from `options` via `HelpRenderer`.
protocol Subcommand {
    /// The name typed after `tritsim` (`run`).
    static var name: String { get }
    /// One line for the subcommand list and the help overview.
    static var abstract: String { get }
    /// Extra help paragraphs shown after the options, or empty.
    static var discussion: String { get }
    /// The option table, the single source of parsing and help.
    static var options: [OptionSpec] { get }

    /// Converts and validates parsed arguments.
    init(parsing arguments: ParsedArguments) throws

    /// Runs the subcommand.
    func run(in context: CommandContext) throws
}

extension Subcommand {
    /// `tritsim <name> --help`, suggested after usage errors.
    static var helpCommand: String { "\(CommandLineTool.programName) \(name) --help" }
}
