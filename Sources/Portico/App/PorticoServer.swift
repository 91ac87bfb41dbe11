import Foundation
import Hummingbird
import Logging
import NIOCore
import Postgres
import ServiceLifecycle

/// `portico serve`: check the flags and the environment, prepare the database, build the
/// application, run until SIGTERM/SIGINT, then stop within `PORTICO_SHUTDOWN_GRACE_SECONDS`:
/// the workers stop claiming at once and finish or release what they hold, requests in
/// flight finish (or are cut off when the grace period ends), then the embedded cluster
/// stops if this process started it.
public enum PorticoServer {
    public static func serve(configuration: AppConfiguration, hostname: String, port: Int) async throws {
        // Before anything else, so that a taken port or an unusable data directory is the one
        // line on standard error (exit 78).
        let publicListener = StartupChecks.Listener(host: hostname, port: port, setting: "--port")
        try await StartupChecks.probe([
            publicListener,
            .init(host: InternalListener.address, port: configuration.internalPort, setting: "PORTICO_INTERNAL_PORT"),
        ])
        try await StartupChecks.prepareDataDirectory(configuration.dataDirectory)

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
                var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: internalApp)]
                if let backups { services.append(.init(service: backups)) }
                // Last, so it is told first: the workers hear it before the HTTP server has
                // drained (and before a running backup has stopped).
                services.append(
                    .init(
                        service: AnnouncingShutdown(
                            wrapped: ListenerService(app: app, listener: publicListener),
                            signal: dependencies.shutdownSignal)))
                var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
                // Past the grace period, whatever still runs (a slow upload) is cancelled.
                group.maximumGracefulShutdownDuration = configuration.shutdownGrace
                logger.info(
                    "Portico listening",
                    metadata: [
                        "url": "http://\(hostname):\(port)", "internal": "http://\(InternalListener.address):\(internalPort)/internal/",
                        "shutdown_grace_s": "\(configuration.shutdownGrace.components.seconds)",
                    ])
                do {
                    try await ServiceGroup(configuration: group).run()
                } catch let error where dependencies.shutdownSignal.isTriggered && !(error is ConfigurationError) {
                    // The grace period ran out and the rest was cancelled: still a stop we asked for.
                    logger.warning(
                        "Stopped at the end of the shutdown grace period; work still running was cut off",
                        metadata: ["error": "\(error)"])
                }
                logger.info("Stopped serving")
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

/// Runs the public application and names the flag to change when its port is taken (another
/// process bound it after `StartupChecks.probe`).
struct ListenerService<App: ApplicationProtocol>: Service {
    let app: App
    let listener: StartupChecks.Listener

    func run() async throws {
        do {
            try await app.run()
        } catch let error as IOError {
            throw StartupChecks.describeBindFailure(error, listener: listener)
        }
    }
}

/// A logger at the configured level; its handler (text or JSON, on standard error) is the
/// one `LoggingSetup` chose for the process.
public func makeLogger(label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}
