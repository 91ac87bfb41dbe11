import Foundation

/// Reads configuration variables one at a time. A value that does not parse is refused with a
/// `ConfigurationError` that names the variable, says what it must be, and quotes what it got;
/// an unset or blank variable is nil, so the default stays.
struct EnvironmentReader {
    let environment: [String: String]

    func value(_ name: String) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// A libpq connection string: a `postgresql://` URI or `key=value` pairs.
    func databaseURL(_ name: String, example: String) throws -> String? {
        guard let url = value(name) else { return nil }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("=") else {
            throw ConfigurationError(variable: name, message: "must be a PostgreSQL URI (\(example)) or a libpq key=value string")
        }
        return url
    }

    func hostName(_ name: String, example: String) throws -> String? {
        guard let host = value(name) else { return nil }
        guard let normalized = HostName.normalize(host) else {
            throw ConfigurationError(variable: name, message: "must be a host name such as \(example), got '\(host)'")
        }
        return normalized
    }

    /// `on`/`off` (also `true`/`false`, `1`/`0`, and any extra words for on).
    func onOff(_ name: String, alsoOn: Set<String> = []) throws -> Bool? {
        guard let flag = value(name) else { return nil }
        switch flag.lowercased() {
        case "on", "true", "1": return true
        case let word where alsoOn.contains(word): return true
        case "off", "false", "0": return false
        default: throw ConfigurationError(variable: name, message: "must be on or off, got '\(flag)'")
        }
    }

    /// `1`/`0` (also `on`/`off`, `true`/`false`, `yes`/`no`).
    func oneOrZero(_ name: String) throws -> Bool? {
        guard let flag = value(name) else { return nil }
        switch flag.lowercased() {
        case "1", "on", "true", "yes": return true
        case "0", "off", "false", "no": return false
        default: throw ConfigurationError(variable: name, message: "must be 1 or 0, got '\(flag)'")
        }
    }

    func number(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = value(name) else { return nil }
        guard let parsed = Int(raw), range.contains(parsed) else {
            throw ConfigurationError(variable: name, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(raw)'")
        }
        return parsed
    }

    func port(_ name: String) throws -> Int? {
        guard let raw = value(name) else { return nil }
        guard let parsed = Int(raw), (1...65535).contains(parsed) else {
            throw ConfigurationError(variable: name, message: "must be a TCP port from 1 to 65535, got '\(raw)'")
        }
        return parsed
    }

    func seconds(_ name: String, in range: ClosedRange<Int>) throws -> Duration? {
        guard let raw = value(name) else { return nil }
        guard let parsed = Int(raw), range.contains(parsed) else {
            throw ConfigurationError(
                variable: name, message: "must be a whole number of seconds from \(range.lowerBound) to \(range.upperBound), got '\(raw)'")
        }
        return .seconds(parsed)
    }

    /// One of a few words (case-insensitive), named in the message as `expected`.
    func choice<Choice: RawRepresentable>(_ name: String, as type: Choice.Type, expected: String) throws -> Choice?
    where Choice.RawValue == String {
        guard let raw = value(name) else { return nil }
        guard let parsed = Choice(rawValue: raw.lowercased()) else {
            throw ConfigurationError(variable: name, message: "must be \(expected), got '\(raw)'")
        }
        return parsed
    }
}
