import Foundation

/// The `tritsim` command line: dispatches to a subcommand, prints, and returns an exit code.
///
/// `main` = parse → run → map errors to exit codes (`ExitStatus`). Exit codes: 0 success,
/// 1 bad input (`InputError`), 2 usage error (`UsageError`). Errors are one line on stderr.
public enum CommandLineTool {
    /// The program name used in help and error messages.
    public static let programName = "tritsim"
    /// The version printed by `tritsim --version`.
    public static let version = "0.1.0"
    /// One line describing the tool.
    static let abstract = "Simulate a ternary BitNet b1.58 inference chip and compare it with a modelled FP16 GPU."

    /// Every subcommand, in help order.
    static var subcommands: [any Subcommand.Type] { [RunCommand.self, CompileCommand.self, SimCommand.self, InspectCommand.self, VerifyCommand.self, ValidateCommand.self, BenchCommand.self] }

    /// Runs `tritsim` with `arguments` (without the program name) and returns the exit code.
    ///
    /// - Parameters:
    ///   - arguments: command-line arguments after the program name.
    ///   - stdout: receives normal output; each call's text ends in a newline.
    ///   - stderr: receives error lines and diagnostics; each call's text ends in a newline.
    /// - Returns: 0 on success, 1 for bad input, 2 for a malformed command line.
    public static func main(_ arguments: [String], stdout: (String) -> Void, stderr: (String) -> Void) -> Int32 {
        withoutActuallyEscaping(stdout) { out in
            withoutActuallyEscaping(stderr) { err in
                let context = CommandContext(
                    stdout: out, stderr: err,
                    currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
                    environment: ProcessInfo.processInfo.environment,
                    executableLocations: ConfigLocator.currentExecutableLocations())
                return main(arguments, context: context)
            }
        }
    }

    /// Runs `tritsim` in `context` (tests substitute the directory and environment).
    static func main(_ arguments: [String], context: CommandContext) -> Int32 {
        do {
            try dispatch(arguments, context: context)
            return ExitStatus.success
        } catch {
            return ExitStatus.report(error, stderr: context.stderr)
        }
    }

    // MARK: - Implementation

    private static let topHelpCommand = "\(programName) --help"

    private static func dispatch(_ arguments: [String], context: CommandContext) throws {
        guard let first = arguments.first else {
            throw UsageError("missing subcommand", helpCommand: topHelpCommand)
        }
        let rest = Array(arguments.dropFirst())
        switch first {
        case "-h", "--help":
            try expectNothing(after: first, in: rest)
            context.stdout(HelpRenderer.renderTopLevel(subcommands))
        case "--version":
            try expectNothing(after: first, in: rest)
            context.stdout("\(programName) \(version)\n")
        case "help":
            guard let name = rest.first else {
                context.stdout(HelpRenderer.renderTopLevel(subcommands))
                return
            }
            try expectNothing(after: "help \(name)", in: Array(rest.dropFirst()))
            context.stdout(HelpRenderer.render(try subcommand(named: name)))
        default:
            let command = try subcommand(named: first)
            if rest.contains("--help") || rest.contains("-h") {
                context.stdout(HelpRenderer.render(command))
                return
            }
            try run(command, arguments: rest, context: context)
        }
    }

    private static func run(_ command: any Subcommand.Type, arguments: [String], context: CommandContext) throws {
        let parsed = try ArgumentCursor(table: command.options, helpCommand: command.helpCommand).parse(arguments)
        try command.init(parsing: parsed).run(in: context)
    }

    private static func subcommand(named name: String) throws -> any Subcommand.Type {
        if let command = subcommands.first(where: { $0.name == name }) { return command }
        let known = subcommands.map { $0.name }.joined(separator: ", ")
        if name.hasPrefix("-") {
            throw UsageError("unknown option '\(name)' (expected a subcommand: \(known))", helpCommand: topHelpCommand)
        }
        throw UsageError("unknown subcommand '\(name)' (known: \(known))", helpCommand: topHelpCommand)
    }

    private static func expectNothing(after what: String, in rest: [String]) throws {
        if let extra = rest.first {
            throw UsageError("unexpected argument '\(extra)' after '\(what)'", helpCommand: topHelpCommand)
        }
    }
}
