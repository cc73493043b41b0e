import Foundation
import TritCLI

// The whole program: run the command line, write its output to the real streams, exit.
let status = CommandLineTool.main(
    Array(CommandLine.arguments.dropFirst()),
    stdout: { FileHandle.standardOutput.write(Data($0.utf8)) },
    stderr: { FileHandle.standardError.write(Data($0.utf8)) })
exit(status)
