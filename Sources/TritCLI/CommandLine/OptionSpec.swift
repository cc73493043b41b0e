/// One row of a subcommand's option table: everything parsing and `--help` need to know.
///
/// Parsing and help text are both generated from these rows (see `ArgumentCursor` and
/// `HelpRenderer`), so the help can never disagree with what is accepted, and a default exists
/// in exactly one place: absent options are parsed from `defaultValue` like any typed value.
struct OptionSpec: Sendable, Equatable {
    /// Whether the option takes a value.
    enum Kind: Sendable, Equatable {
        /// `--name VALUE` or `--name=VALUE`; `valueName` is shown in help (`N`, `NAME|PATH`, `DIR`).
        case value(valueName: String)
        /// `--name` alone; present means true.
        case flag
        /// A bare argument in order (`tritsim sim PROGRAM`); `valueName` is shown in help.
        /// Required unless the row has a default.
        case positional(valueName: String)
    }

    /// The long name without dashes (`"batch"` for `--batch`).
    var name: String
    /// Value or flag.
    var kind: Kind
    /// Unit of the value for help (`"tokens"`, `"sequences"`, `"folder"`), or nil if it has none.
    var unit: String?
    /// Text of the default, parsed like user input when the option is absent; nil when there is
    /// no default value (flags, or options whose absence means "find it automatically").
    var defaultValue: String?
    /// What the help says about the default when `defaultValue` is nil (`"found automatically"`).
    var defaultDescription: String?
    /// One or two sentences of help.
    var help: String
    /// A one-letter alias (`o` for `-o`), or nil.
    var shortName: Character? = nil

    /// `--name` as typed on the command line.
    var flagText: String { "--" + name }

    /// `--name VALUE` for value options, `--name` for flags.
    var synopsis: String {
        switch kind {
        case .value(let valueName): return (shortName.map { "-\($0), " } ?? "") + "\(flagText) \(valueName)"
        case .flag: return (shortName.map { "-\($0), " } ?? "") + flagText
        case .positional(let valueName): return "<\(valueName)>"
        }
    }
}
