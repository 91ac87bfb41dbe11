import CLibPQ
import Foundation

/// PostgreSQL's own client programs (`pg_dump`, `pg_restore`), run as child processes.
///
/// The connection string is split with libpq's own parser: the password travels in
/// `PGPASSWORD` (the child's environment, readable only by its user), everything else as a
/// `--dbname` keyword string, so a password never shows in a process listing.
public struct PostgresClientTools: Sendable {
    /// The directory holding `pg_dump` and `pg_restore`.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The newest installed client programs: `pg_config --bindir`, then
    /// `/usr/lib/postgresql/<major>/bin` from the highest major down, then `/usr/bin`.
    /// A pg_dump must be at least as new as the server it dumps, so newest wins.
    public static func locate() throws -> PostgresClientTools {
        var candidates: [String] = []
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                candidates.append("/usr/lib/postgresql/\(version)/bin")
            }
        }
        if let bindir = try? ChildProcess.run(["/usr/bin/env", "pg_config", "--bindir"]), bindir.exitCode == 0 {
            candidates.append(bindir.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        candidates += ["/usr/local/bin", "/usr/bin"]
        for candidate in candidates
        where ["pg_dump", "pg_restore"].allSatisfy({ FileManager.default.isExecutableFile(atPath: candidate + "/" + $0) }) {
            return PostgresClientTools(directory: URL(fileURLWithPath: candidate))
        }
        throw PostgresError(
            kind: .connection, message: "pg_dump and pg_restore not found: install them with `sudo apt-get install postgresql-client`")
    }

    /// Runs `tool` (`pg_dump`, `pg_restore`) with `arguments`, connected by `conninfo` when
    /// given (it becomes `--dbname`). Waits off the cooperative pool.
    public func run(
        _ tool: String, _ arguments: [String], conninfo: String? = nil, environment: [String: String] = [:]
    ) async throws -> ChildProcess.Result {
        var command = [directory.appendingPathComponent(tool).path]
        var environment = environment
        if let conninfo {
            let split = try Self.split(conninfo)
            command.append("--dbname=\(split.conninfo)")
            if let password = split.password { environment["PGPASSWORD"] = password }
        }
        command += arguments
        return try await ChildProcess.runOffThread(command, environment: environment)
    }

    /// A libpq URI or key/value string as a key/value string without the password, and the password.
    public static func split(_ conninfo: String) throws -> (conninfo: String, password: String?) {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            let message = error.map { String(cString: $0) } ?? "cannot parse"
            if let error { PQfreemem(error) }
            throw PostgresError(
                kind: .connection, message: "Not a PostgreSQL connection string: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var password: String?
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let name = String(cString: keyword)
                let text = String(cString: value)
                if name == "password" {
                    password = text
                } else {
                    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                    parts.append("\(name)='\(escaped)'")
                }
            }
            option += 1
        }
        return (parts.joined(separator: " "), password)
    }
}
