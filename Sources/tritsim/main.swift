import Foundation
import TritCLI

// The whole program: run the command line, write its output to the real streams, exit.
// A closed, full or broken stream must not crash the program: SIGPIPE is ignored (a write to a
// closed pipe then fails with EPIPE), and a failed write makes a successful run exit with status 1.
signal(SIGPIPE, SIG_IGN)
/// The first failed write: which stream, and why (single-threaded: the command line runs on the main thread).
nonisolated(unsafe) var writeFailure: String? = nil
func write(_ text: String, to handle: FileHandle, _ stream: String) {
    do {
        try handle.write(contentsOf: Data(text.utf8))
    } catch {
        let reason = (error as NSError).userInfo[NSUnderlyingErrorKey].map { ($0 as? NSError)?.localizedDescription ?? "\($0)" }
            ?? error.localizedDescription
        if writeFailure == nil { writeFailure = "\(stream): \(reason)" }
    }
}
let status = CommandLineTool.main(
    Array(CommandLine.arguments.dropFirst()),
    stdout: { write($0, to: FileHandle.standardOutput, "standard output") },
    stderr: { write($0, to: FileHandle.standardError, "standard error") })
if let writeFailure, status == ExitStatus.success {
    write("\(CommandLineTool.programName): error: output: expected to write the command's output, found a failed write to \(writeFailure)\n",
          to: FileHandle.standardError, "standard error")
    exit(ExitStatus.inputError)
}
exit(status)
