import Foundation
import TritCLI

// The whole program: run the command line, write its output to the real streams, exit.
// A closed, full or broken stream must not crash the program: SIGPIPE is ignored (a write to a
// closed pipe then fails with EPIPE), and a failed write makes a successful run exit with status 1.
signal(SIGPIPE, SIG_IGN)
nonisolated(unsafe) var writeFailed = false  // single-threaded: the command line runs on the main thread
func write(_ text: String, to handle: FileHandle) {
    do {
        try handle.write(contentsOf: Data(text.utf8))
    } catch {
        writeFailed = true
    }
}
let status = CommandLineTool.main(
    Array(CommandLine.arguments.dropFirst()),
    stdout: { write($0, to: FileHandle.standardOutput) },
    stderr: { write($0, to: FileHandle.standardError) })
if writeFailed, status == ExitStatus.success {
    write("\(CommandLineTool.programName): error: could not write the output (\(CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "tritsim"))\n",
          to: FileHandle.standardError)
    exit(ExitStatus.inputError)
}
exit(status)
