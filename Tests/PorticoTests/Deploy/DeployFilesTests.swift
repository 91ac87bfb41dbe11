import Foundation
import Portico
import Testing

/// The files in deploy/ must stay true to the code: every variable Portico reads is in the
/// environment example, the Caddyfile asks the port and path the internal listener serves,
/// and the systemd unit starts a command that exists.
@Suite("deploy/ files agree with the code")
struct DeployFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every environment variable the sources read: `value("X")` and `read.…("X")` (the
    /// `EnvironmentReader` of AppConfiguration), the flags listed as `("X", \AppConfiguration.…)`,
    /// and `environment["X"]` anywhere in Sources/Portico.
    static func variablesRead() throws -> Set<String> {
        var names: Set<String> = []
        let sources = root.appendingPathComponent("Sources/Portico")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        let patterns = [
            #/value\("([A-Z][A-Z0-9_]+)"\)/#, #/read\.[a-zA-Z]+\("([A-Z][A-Z0-9_]+)"/#, #/\("([A-Z][A-Z0-9_]+)", \\AppConfiguration\./#,
            #/environment\["([A-Z][A-Z0-9_]+)"\]/#,
        ]
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for pattern in patterns {
                for match in text.matches(of: pattern) { names.insert(String(match.1)) }
            }
        }
        return names
    }

    @Test("portico.env.example lists every variable Portico reads")
    func environmentExample() throws {
        let variables = try Self.variablesRead()
        #expect(
            variables.isSuperset(of: ["DATABASE_URL", "PORTICO_BASE_DOMAIN", "SMTP_URL", "PORTICO_INTERNAL_PORT", "PORTICO_LISTEN_DATABASE_URL"]))
        let example = try Self.read("deploy/portico.env.example")
        var listed: Set<String> = []
        for line in example.split(separator: "\n") {
            let entry = line.hasPrefix("#") ? line.dropFirst() : line[...]
            if let equals = entry.firstIndex(of: "="), entry[..<equals].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }),
                !entry[..<equals].isEmpty
            {
                listed.insert(String(entry[..<equals]))
            }
        }
        let missing = variables.subtracting(listed)
        #expect(missing.isEmpty, "not in deploy/portico.env.example: \(missing.sorted())")
        // What is set there without a comment is valid as far as Portico can check offline.
        var environment: [String: String] = [:]
        for line in example.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        let configuration = try AppConfiguration.fromEnvironment(environment)
        #expect(configuration.publicScheme == .https)
        #expect(configuration.internalPort == 8081)
    }

    @Test("the Caddyfile asks the internal listener's default port and path, with on-demand TLS")
    func caddyfile() throws {
        let caddyfile = try Self.read("deploy/Caddyfile")
        #expect(InternalListener.address == "127.0.0.1")
        #expect(caddyfile.contains("ask http://\(InternalListener.address):\(AppConfiguration().internalPort)/internal/tls/ask"))
        #expect(caddyfile.contains("on_demand"))
        #expect(caddyfile.contains("health_uri /readyz"))
    }

    @Test("Caddy drops idle upstream connections before Portico's idle timeout would; the unit waits longer than the grace period")
    func timeoutsAgree() throws {
        let caddyfile = try Self.read("deploy/Caddyfile")
        let keepalive = try #require(caddyfile.firstMatch(of: #/keepalive (\d+)s/#).flatMap { Int($0.1) })
        #expect(keepalive < Int(HTTPLimits().idleTimeout.components.seconds))
        let unit = try Self.read("deploy/portico.service")
        let stop = try #require(unit.firstMatch(of: #/TimeoutStopSec=(\d+)/#).flatMap { Int($0.1) })
        #expect(stop > Int(AppConfiguration().shutdownGrace.components.seconds) + 10, "room for the grace period and stopping")
    }

    @Test("the systemd unit runs `portico serve` with variables the example defines, and migrates first")
    func systemdUnit() throws {
        let unit = try Self.read("deploy/portico.service")
        let example = try Self.read("deploy/portico.env.example")
        let execStart = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        #expect(execStart.contains("/usr/local/bin/portico serve --hostname ${SERVE_HOSTNAME} --port ${SERVE_PORT}"))
        for variable in ["SERVE_HOSTNAME", "SERVE_PORT"] {
            #expect(example.contains("\n\(variable)="), "\(variable)")
        }
        #expect(unit.contains("ExecStartPre=") && unit.contains("portico migrate up"))
        #expect(unit.contains("EnvironmentFile=/etc/portico/portico.env"))
        #expect(unit.contains("RestartPreventExitStatus=78"))
    }

    @Test("the Containerfile builds the release binary of the package's executable product")
    func containerfile() throws {
        let containerfile = try Self.read("deploy/Containerfile")
        let manifest = try Self.read("Package.swift")
        #expect(manifest.contains(#".executable(name: "portico""#))
        // The release build is scripts/build-release.sh's: static Swift runtime, version linked in.
        #expect(containerfile.contains("scripts/build-release.sh"))
        #expect(containerfile.contains("swift build -c release --show-bin-path"))
        let script = try Self.read("scripts/build-release.sh")
        #expect(script.contains("configuration=(-c release)"))
        #expect(script.contains("--product portico --static-swift-stdlib"))
        #expect(containerfile.contains("portico_Portico.resources"))
        #expect(containerfile.contains("COPY . ."))
        let ignore = try Self.read(".dockerignore")
        #expect(ignore.contains(".build/") && ignore.contains(".git/"))
    }
}
