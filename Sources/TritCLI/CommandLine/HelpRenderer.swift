/// Generates `--help` text from subcommand option tables, so help cannot drift from parsing.
enum HelpRenderer {
    /// Text width help paragraphs wrap at.
    static let width = 100

    /// Help for one subcommand: overview, usage, every option with its unit and default.
    static func render(_ command: any Subcommand.Type) -> String {
        var out = wrap("OVERVIEW: \(command.abstract)", indent: "", width: width).joined(separator: "\n") + "\n\n"
        let positionals = command.options.filter { if case .positional = $0.kind { return true } else { return false } }
        out += "USAGE: \(CommandLineTool.programName) \(command.name)"
            + positionals.map { " " + $0.synopsis }.joined() + " [<options>]\n\n"
        out += "OPTIONS:\n" + optionList(command.options + [helpOption])
        if !command.discussion.isEmpty {
            out += "\n" + wrap(command.discussion, indent: "", width: width).joined(separator: "\n") + "\n"
        }
        return out
    }

    /// Top-level help: overview, usage, subcommands, global options, then each subcommand's options.
    static func renderTopLevel(_ commands: [any Subcommand.Type]) -> String {
        let name = CommandLineTool.programName
        var out = "OVERVIEW: \(CommandLineTool.abstract)\n\n"
        out += "USAGE: \(name) <subcommand> [<options>]\n"
        out += "       \(name) help [<subcommand>]\n\n"
        var subcommandRows = commands.map { (left: $0.name, right: $0.abstract) }
        subcommandRows.append((left: "help", right: "Show help for tritsim or for one subcommand."))
        out += "SUBCOMMANDS:\n" + twoColumns(subcommandRows)
        out += "\nOPTIONS:\n" + optionList([helpOption, versionOption])
        for command in commands {
            out += "\n\(command.name.uppercased()) OPTIONS (\(name) \(command.name) --help):\n" + optionList(command.options)
        }
        return out
    }

    /// `-h, --help`, accepted by every subcommand.
    static let helpOption = OptionSpec(name: "help", kind: .flag, unit: nil, defaultValue: nil, defaultDescription: nil,
                                       help: "Show this help and exit.")

    /// `--version`, accepted before any subcommand.
    static let versionOption = OptionSpec(name: "version", kind: .flag, unit: nil, defaultValue: nil,
                                          defaultDescription: nil, help: "Print the version and exit.")

    // MARK: - Implementation

    /// One entry per option: synopsis on the left, help, unit and default on the right.
    private static func optionList(_ options: [OptionSpec]) -> String {
        twoColumns(options.map { option in
            let left = option.name == "help" ? "-h, --help" : option.synopsis
            var right = option.help
            // A no-break space keeps "Unit:" and "(default:" on the line of their value.
            if let unit = option.unit { right += " Unit:\(noBreakSpace)\(unit)." }
            if let value = option.defaultValue ?? option.defaultDescription {
                right += " (default:\(noBreakSpace)\(value))"
            }
            return (left: left, right: right)
        })
    }

    /// Left column padded to a common width, right column word-wrapped under itself.
    private static func twoColumns(_ rows: [(left: String, right: String)]) -> String {
        let leftWidth = min(28, rows.map(\.left.count).max() ?? 0)
        let indent = String(repeating: " ", count: 2 + leftWidth + 2)
        var out = ""
        for row in rows {
            let lines = wrap(row.right, indent: indent, width: width)
            if row.left.count <= leftWidth {
                let padding = String(repeating: " ", count: leftWidth - row.left.count + 2)
                out += "  " + row.left + padding + (lines.first ?? "").dropFirst(indent.count) + "\n"
            } else {
                out += "  " + row.left + "\n" + (lines.first ?? "") + "\n"
            }
            for line in lines.dropFirst() { out += line + "\n" }
        }
        return out
    }

    /// Greedy word wrap; every returned line starts with `indent`.
    private static func wrap(_ text: String, indent: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = indent
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.count > indent.count, current.count + 1 + word.count > width {
                lines.append(current)
                current = indent
            }
            current += (current.count > indent.count ? " " : "") + word
        }
        lines.append(current)
        return lines.map { String($0.map { $0 == noBreakSpace ? " " : $0 }) }
    }

    /// Joins two words so that wrapping never separates them; printed as a plain space.
    private static let noBreakSpace: Character = "\u{00A0}"
}
