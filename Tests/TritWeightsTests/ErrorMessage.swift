import TritCore

/// What `body` threw, as the one line the CLI would print: `InputError.description`, or a marker
/// when it threw something else or nothing.
func message(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch let error as InputError {
        return error.description
    } catch {
        return "not an InputError: \(error)"
    }
}
