import Foundation
import NIOCore
import NIOPosix
import PorticoTestSupport
import Testing

/// The real `portico` binary, started the way systemd starts it: a mistake in a flag or the
/// environment stops it with exit status 78 (EX_CONFIG, which the unit does not restart) and
/// exactly one line saying what to change — before it touches a database.
@Suite("Configuration errors: the binary exits 78 with one line")
struct ConfigurationErrorTests {
    /// A scratch data directory, a free internal port, and a database URL nothing listens on:
    /// a check that wrongly passed fails on the database instead of starting an embedded cluster.
    func environment(_ overrides: [String: String] = [:]) throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-config-\(UUID().uuidString.prefix(8))")
        var environment = [
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:\(try SMTPTestServer.unusedPort())/nothing?connect_timeout=2",
            "PORTICO_DATA_DIR": directory.path,
            "PORTICO_INTERNAL_PORT": "\(try SMTPTestServer.unusedPort())",
        ]
        environment.merge(overrides) { $1 }
        return environment
    }

    /// Exit 78 and one non-empty line that starts with `prefix`.
    func expectConfigurationError(
        _ arguments: [String], _ environment: [String: String], prefix: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let result = try await PorticoBinary.run(arguments, environment: environment)
        let lines = result.output.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(result.exitCode == 78, "exit \(result.exitCode): \(result.output)", sourceLocation: sourceLocation)
        #expect(lines.count == 1, "expected one line, got: \(result.output)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix(prefix) == true, "got: \(lines.first ?? "")", sourceLocation: sourceLocation)
        #expect(!result.output.contains("NSCocoaErrorDomain") && !result.output.contains("Error Domain"), sourceLocation: sourceLocation)
    }

    /// Holds a listening socket on a free loopback port for `body`.
    func withPortInUse<T>(_ body: (Int) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let result = try await body(channel.localAddress!.port!)
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    @Test("--port out of range", arguments: ["99999", "0", "-1", "65536"])
    func portOutOfRange(_ port: String) async throws {
        try await expectConfigurationError(
            ["serve", "--port=\(port)"], try environment(),
            prefix: "Configuration error: --port must be a TCP port from 1 to 65535, got \(port)")
    }

    @Test("PORTICO_INTERNAL_PORT out of range", arguments: ["99999", "0", "-5", "eighty"])
    func internalPortOutOfRange(_ port: String) async throws {
        try await expectConfigurationError(
            ["serve", "--port=\(try SMTPTestServer.unusedPort())"], try environment(["PORTICO_INTERNAL_PORT": port]),
            prefix: "Configuration error: PORTICO_INTERNAL_PORT must be a TCP port from 1 to 65535, got '\(port)'")
    }

    @Test("a taken --port is named with the flag")
    func publicPortInUse() async throws {
        try await withPortInUse { port in
            try await expectConfigurationError(
                ["serve", "--port", "\(port)"], try environment(),
                prefix: "Configuration error: --port \(port) is in use")
        }
    }

    @Test("a taken PORTICO_INTERNAL_PORT is named with the variable")
    func internalPortInUse() async throws {
        try await withPortInUse { port in
            try await expectConfigurationError(
                ["serve", "--port", "\(try SMTPTestServer.unusedPort())"],
                try environment(["PORTICO_INTERNAL_PORT": "\(port)"]),
                prefix: "Configuration error: PORTICO_INTERNAL_PORT \(port) is in use")
        }
    }

    @Test("one port for both listeners is refused")
    func samePortTwice() async throws {
        let port = try SMTPTestServer.unusedPort()
        try await expectConfigurationError(
            ["serve", "--port", "\(port)"], try environment(["PORTICO_INTERNAL_PORT": "\(port)"]),
            prefix: "Configuration error: PORTICO_INTERNAL_PORT \(port) is also --port")
    }

    @Test("PORTICO_DATA_DIR that is a file, lies under a file, or cannot be written")
    func unusableDataDirectory() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("portico-not-a-dir-\(UUID().uuidString.prefix(8))")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let serve = ["serve", "--port", "\(try SMTPTestServer.unusedPort())"]

        try await expectConfigurationError(
            serve, try environment(["PORTICO_DATA_DIR": file.path]),
            prefix: "Configuration error: PORTICO_DATA_DIR \(file.path) is a file, not a directory")
        try await expectConfigurationError(
            serve, try environment(["PORTICO_DATA_DIR": file.path + "/data"]),
            prefix: "Configuration error: PORTICO_DATA_DIR \(file.path)/data cannot be created: \(file.path) is a file, not a directory")
        // sysfs refuses new files even to root (and is read-only in most containers).
        try await expectConfigurationError(
            serve, try environment(["PORTICO_DATA_DIR": "/sys"]),
            prefix: "Configuration error: PORTICO_DATA_DIR /sys is not writable by this user: ")
        try await expectConfigurationError(
            serve, try environment(["PORTICO_DATA_DIR": "/sys/portico-data"]),
            prefix: "Configuration error: PORTICO_DATA_DIR /sys/portico-data cannot be created: /sys/portico-data: ")
    }

    @Test("a CLI command that would start the embedded cluster checks PORTICO_DATA_DIR first")
    func cliDataDirectory() async throws {
        var environment = try environment(["PORTICO_DATA_DIR": "/sys/portico-data"])
        environment["DATABASE_URL"] = nil
        try await expectConfigurationError(
            ["tenant", "list"], environment,
            prefix: "Configuration error: PORTICO_DATA_DIR /sys/portico-data cannot be created")
    }

    @Test(
        "the new variables are validated like the others",
        arguments: [
            ("LOG_FORMAT", "xml", "Configuration error: LOG_FORMAT must be text or json, got 'xml'"),
            (
                "PORTICO_SHUTDOWN_GRACE_SECONDS", "0",
                "Configuration error: PORTICO_SHUTDOWN_GRACE_SECONDS must be a whole number of seconds from 1 to 300"
            ),
            (
                "PORTICO_HTTP_HEADER_TIMEOUT_SECONDS", "ten",
                "Configuration error: PORTICO_HTTP_HEADER_TIMEOUT_SECONDS must be a whole number of seconds"
            ),
            ("PORTICO_HTTP_IDLE_TIMEOUT_SECONDS", "-1", "Configuration error: PORTICO_HTTP_IDLE_TIMEOUT_SECONDS must be a whole number of seconds"),
            ("PORTICO_MAX_CONNECTIONS", "0", "Configuration error: PORTICO_MAX_CONNECTIONS must be a whole number from 1 to 1000000, got '0'"),
        ])
    func newVariables(_ variable: String, _ value: String, _ prefix: String) async throws {
        try await expectConfigurationError(
            ["serve", "--port", "\(try SMTPTestServer.unusedPort())"], try environment([variable: value]), prefix: prefix)
    }
}
