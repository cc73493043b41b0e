import TritCLI

/// The outcome of one in-process `tritsim` invocation.
struct ToolRun {
    /// Exit code.
    var status: Int32
    /// Everything written to stdout.
    var stdout: String
    /// Everything written to stderr.
    var stderr: String

    /// Lines of stderr.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// Runs `tritsim` with `arguments` (without the program name).
    init(_ arguments: [String]) {
        var out = ""
        var err = ""
        status = CommandLineTool.main(arguments, stdout: { out += $0 }, stderr: { err += $0 })
        stdout = out
        stderr = err
    }
}
