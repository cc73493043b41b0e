import Foundation

/// What a subcommand may touch of the outside world: output streams, the current directory, the
/// environment and the executable's location. Tests substitute every part.
struct CommandContext {
    /// Writes text (normally ending in a newline) to standard output.
    var stdout: (String) -> Void
    /// Writes text (normally ending in a newline) to standard error.
    var stderr: (String) -> Void
    /// The folder relative paths resolve against.
    var currentDirectory: URL
    /// Environment variables.
    var environment: [String: String]
    /// Where the running executable may live, for finding `Configs/` beside an installed binary.
    var executableLocations: [URL]
}
