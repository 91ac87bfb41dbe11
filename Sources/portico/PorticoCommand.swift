import ArgumentParser
import Foundation
import Portico
import PorticoCrypto

@main
struct PorticoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "Multi-tenant, white-label customer portal for wireless ISPs.",
        version: PorticoVersion.current,
        subcommands: [
            Serve.self, Migrate.self, TenantCommand.self, OperatorCommand.self, StaffCommand.self, DemoCommand.self, OutboxCommand.self,
            APIKeyCommand.self, BackupCommand.self, BenchCommand.self,
        ]
    )
}

/// Reads the environment or exits with the one-line configuration error.
func loadConfiguration() throws -> AppConfiguration {
    do {
        let configuration = try AppConfiguration.fromEnvironment()
        LoggingSetup.bootstrap(configuration.logFormat)
        return configuration
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(78)
    }
}

/// Runs a command body; known errors become one readable line and a failing exit code.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode(78)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the portals, the staff console and the API.")

    @Option(help: "Address to listen on.") var hostname = "127.0.0.1"
    @Option(help: "Port to listen on (1-65535).") var port = 8080

    func run() async throws {
        let configuration = try loadConfiguration()
        try await reportingErrors {
            try await PorticoServer.serve(configuration: configuration, hostname: hostname, port: port)
        }
    }
}
