import Foundation
import Logging

extension EmbeddedCluster {
    // MARK: Processes

    static var isRoot: Bool { geteuid() == 0 }
    static let serverUser = "postgres"

    struct ProcessResult {
        let exitCode: Int32
        let output: String
    }

    @discardableResult
    func runAsServerUser(_ arguments: [String], allowFailure: Bool = false) throws -> ProcessResult {
        var command = arguments
        if Self.isRoot {
            guard getpwnam(Self.serverUser) != nil else {
                throw EmbeddedClusterError(
                    "Running as root, the embedded PostgreSQL needs the unprivileged user '\(Self.serverUser)': install it with `apt-get install postgresql` or create the user"
                )
            }
            command = ["/usr/sbin/runuser", "-u", Self.serverUser, "--"] + arguments
        }
        let child = try ChildProcess.run(command)
        let result = ProcessResult(exitCode: child.exitCode, output: child.output)
        if !allowFailure && result.exitCode != 0 {
            throw EmbeddedClusterError("\(URL(fileURLWithPath: arguments[0]).lastPathComponent) failed: \(result.output.suffix(400))")
        }
        return result
    }

    /// The directory holding `initdb`, `pg_ctl` and `postgres`.
    public static func findBinaries() throws -> URL {
        var candidates: [String] = []
        if let bindir = try? Self.capture(["/usr/bin/env", "pg_config", "--bindir"]) {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                candidates.append("/usr/lib/postgresql/\(version)/bin")
            }
        }
        for candidate in candidates {
            let tools = ["initdb", "pg_ctl", "postgres"]
            if tools.allSatisfy({ FileManager.default.isExecutableFile(atPath: candidate + "/" + $0) }) {
                return URL(fileURLWithPath: candidate)
            }
        }
        throw EmbeddedClusterError(
            "PostgreSQL server programs (initdb, pg_ctl) not found: install them with `sudo apt-get install postgresql`, or set DATABASE_URL to use an existing server"
        )
    }

    private static func capture(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run(arguments)
        guard result.exitCode == 0 else { throw EmbeddedClusterError("\(arguments) failed") }
        return result.output
    }

    static func password() -> String {
        // 24 random bytes as hex: plenty of entropy, nothing that needs quoting in a URL.
        var bytes = [UInt8](repeating: 0, count: 24)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw EmbeddedClusterError("Cannot open a socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw EmbeddedClusterError("Cannot bind a loopback socket to find a free port") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func portIsFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // PostgreSQL binds with SO_REUSEADDR, so a port whose old connections linger in
        // TIME_WAIT (our own server, just stopped) is free for it: probe the same way.
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    /// Runs blocking work (processes, file locks) on a GCD thread, not the cooperative pool.
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
