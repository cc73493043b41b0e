import TritCore

/// The one place that turns the outcome of a command into an exit code and an error line.
public enum ExitStatus {
    /// Success.
    public static let success: Int32 = 0
    /// Bad input: an `InputError` (a file, a field, an out-of-range option value) or any other failure.
    public static let inputError: Int32 = 1
    /// Malformed command line: a `UsageError`.
    public static let usageError: Int32 = 2
    /// `tritsim verify` ran, and the chip's results differ from the reference's.
    public static let verificationFailed: Int32 = 3

    /// Prints `error` to `stderr` as one line `tritsim: error: …` (for usage errors ending in the
    /// help command to read) and returns its exit code.
    static func report(_ error: any Error, stderr: (String) -> Void) -> Int32 {
        let prefix = "\(CommandLineTool.programName): error: "
        switch error {
        case let usage as UsageError:
            stderr(prefix + oneLine(usage.message) + " (see '\(usage.helpCommand)')\n")
            return usageError
        case let failure as VerificationFailure:
            stderr(prefix + oneLine(failure.message) + "\n")
            return verificationFailed
        case let input as InputError:
            stderr(prefix + oneLine(input.description) + "\n")
            return inputError
        default:
            stderr(prefix + oneLine(String(describing: error)) + "\n")
            return inputError
        }
    }

    /// `text` with line breaks replaced by spaces, so every error is exactly one line.
    /// Line breaks become spaces and other control characters `?`, so input echoed in an error
    /// can neither split the line nor drive the terminal.
    private static func oneLine(_ text: String) -> String {
        String(text.map { character in
            if character.isNewline { return " " }
            return character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? "?" : character
        })
    }
}
