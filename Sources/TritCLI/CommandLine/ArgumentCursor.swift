/// Walks the arguments of one subcommand against its option table.
///
/// Accepts `--name VALUE`, `--name=VALUE`, `--name` (flags) and bare positional arguments, which
/// fill the table's positional rows in order. A value may start with a single
/// dash (`--prompt-tokens -5` parses, then fails range validation); an argument starting with
/// `--` is never taken as a value. Each option may appear once.
struct ArgumentCursor {
    /// The subcommand's option table.
    let table: [OptionSpec]
    /// The help command suggested in usage errors.
    let helpCommand: String

    /// Parses `arguments` (everything after the subcommand name).
    /// - Throws: `UsageError` for an unknown option, a missing value, a value given to a flag,
    ///   a repeated option, or a stray argument.
    func parse(_ arguments: [String]) throws -> ParsedArguments {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var positionals = table.filter { if case .positional = $0.kind { return true } else { return false } }[...]
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            // `-o VALUE` is `--output VALUE` when a row declares the alias.
            if argument.count == 2, argument.hasPrefix("-"), let letter = argument.last,
               let spec = table.first(where: { $0.shortName == letter }) {
                argument = "--" + spec.name
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                if argument.hasPrefix("-"), argument.count > 1 {
                    throw usage("unknown option '\(argument)'")
                }
                guard let next = positionals.popFirst() else { throw usage("unexpected argument '\(argument)'") }
                values[next.name] = argument
                continue
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let spec = table.first(where: { $0.name == name }) else {
                throw usage("unknown option '--\(name)'")
            }
            guard values[name] == nil, !flags.contains(name) else {
                throw usage("option '--\(name)' given more than once")
            }
            switch spec.kind {
            case .positional:
                throw usage("unknown option '--\(name)'")
            case .flag:
                if inlineValue != nil { throw usage("option '--\(name)' takes no value") }
                flags.insert(name)
            case .value(let valueName):
                if let inlineValue {
                    values[name] = inlineValue
                } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                    values[name] = arguments[index]
                    index += 1
                } else {
                    throw usage("option '--\(name)' needs a value (\(valueName))")
                }
            }
        }
        if let missing = positionals.first(where: { $0.defaultValue == nil }), case .positional(let valueName) = missing.kind {
            throw usage("missing <\(valueName)>")
        }
        return ParsedArguments(table: table, values: values, flags: flags, helpCommand: helpCommand)
    }

    private func usage(_ message: String) -> UsageError {
        UsageError(message, helpCommand: helpCommand)
    }
}
