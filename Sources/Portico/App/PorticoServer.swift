import Foundation
import Hummingbird
import Logging
import Postgres
import ServiceLifecycle

/// `portico serve`: prepare the database, build the application, run until SIGTERM/SIGINT,
/// then stop cleanly (in-flight requests finish, workers release what they claimed, the
/// embedded cluster stops if this process started it).
public enum PorticoServer {
    public static func serve(configuration: AppConfiguration, hostname: String, port: Int) async throws {
        let logger = makeLogger(label: "portico", level: configuration.logLevel)
        PorticoMetrics.bootstrap()
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: logger)
        do {
            try await DatabaseBootstrap.migrateOrVerify(endpoints, logger: logger)
            let backups = try BackupService.scheduled(configuration: configuration, ownerURL: endpoints.ownerURL, logger: logger)
            let dependencies = try await AppDependencies.make(configuration: configuration, appURL: endpoints.appURL, logger: logger)
            do {
                try await DatabaseBootstrap.verifyApplicationRole(pool: dependencies.pool)
                let app = try buildApplication(dependencies, hostname: hostname, port: port)
                // The loopback-only listener (Caddy's on-demand TLS `ask`) runs beside it;
                // SIGTERM/SIGINT stop both gracefully, and either failing stops the other.
                let internalPort = configuration.internalPort
                let internalApp = InternalListenerService(app: InternalListener.application(dependencies, port: internalPort), port: internalPort)
                var services: [any Service] = [internalApp, app]
                if let backups { services.append(backups) }
                let group = ServiceGroup(configuration: .init(
                    services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
                ))
                logger.info("Portico listening", metadata: [
                    "url": "http://\(hostname):\(port)", "internal": "http://\(InternalListener.address):\(internalPort)/internal/",
                ])
                try await group.run()
            } catch {
                await dependencies.shutdown()
                throw error
            }
            await dependencies.shutdown()
        } catch {
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
            throw error
        }
        if endpoints.embeddedStartedHere {
            logger.info("Stopping the embedded PostgreSQL")
            try await endpoints.embedded?.stop()
        }
    }
}

/// A logger at the configured level, writing key=value metadata to standard error.
public func makeLogger(label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}
