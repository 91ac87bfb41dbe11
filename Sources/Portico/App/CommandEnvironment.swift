import Foundation
import Logging
import Postgres

/// What a one-shot CLI command (tenant, operator, demo) needs: a migrated database reached as
/// the application role — the same walls as `serve` — and a clean stop afterwards.
public struct CommandEnvironment: Sendable {
    public let configuration: AppConfiguration
    public let pool: ConnectionPool
    public let logger: Logger

    public init(configuration: AppConfiguration, pool: ConnectionPool, logger: Logger) {
        self.configuration = configuration
        self.pool = pool
        self.logger = logger
    }

    public static func run<T: Sendable>(_ configuration: AppConfiguration, _ body: (CommandEnvironment) async throws -> T) async throws -> T {
        let logger = makeLogger(label: "portico", level: configuration.logLevel == .info ? .warning : configuration.logLevel)
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: logger)
        func finish() async {
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
        }
        do {
            try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: logger)
            let pool = endpoints.pool(endpoints.appURL, maxConnections: 4, logger: logger)
            do {
                try await DatabaseBootstrap.verifyApplicationRole(pool: pool)
                let result = try await body(CommandEnvironment(configuration: configuration, pool: pool, logger: logger))
                await pool.close()
                await finish()
                return result
            } catch {
                await pool.close()
                throw error
            }
        } catch {
            await finish()
            throw error
        }
    }
}
