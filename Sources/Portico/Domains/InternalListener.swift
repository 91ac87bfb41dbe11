import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The loopback-only listener (`127.0.0.1:PORTICO_INTERNAL_PORT`) for what only the local
/// reverse proxy and the local Prometheus scraper may ask (`/internal/tls/ask`, `/metrics`). Its router is its own: none of these routes exist on the public
/// listener, whose `SiteResolutionMiddleware` answers 404 to every `/internal/…` path.
public enum InternalListener {
    /// Always loopback: the address is not configurable on purpose.
    public static let address = "127.0.0.1"

    /// The internal application, bound to `127.0.0.1:port` (0 picks a free port; `onRunning`
    /// learns the address actually bound).
    public static func application(
        _ dependencies: AppDependencies, port: Int,
        onRunning: (@Sendable (SocketAddress?) async -> Void)? = nil
    ) -> some ApplicationProtocol {
        var logger = dependencies.logger
        logger[metadataKey: "component"] = "internal-http"
        return Application(
            router: router(dependencies),
            configuration: .init(address: .hostname(address, port: port), serverName: nil),
            onServerRunning: { channel in await onRunning?(channel.localAddress) },
            logger: logger
        )
    }

    public static func router(_ dependencies: AppDependencies) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        TLSAskController(directory: dependencies.directory, throttle: dependencies.logThrottle).addRoutes(to: router)
        MetricsController(pool: dependencies.pool, listener: dependencies.listener).addRoutes(to: router)
        return router
    }
}

/// `GET /internal/tls/ask?domain=…`: Caddy's on-demand TLS asks before it obtains a
/// certificate for a name it has never seen. 200 only for a host Portico serves now — a
/// verified custom domain or the platform subdomain of an active tenant, or the operator
/// host; 404 for anything else (unknown, unverified, removed, suspended); 400 for a
/// malformed name. Answered from the resolution cache, so a flood of made-up names costs
/// one indexed lookup each per 30 seconds at most.
struct TLSAskController {
    let directory: TenantDirectory
    let throttle: LogThrottle

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(InternalRoutes.tlsAsk, use: ask)
    }

    @Sendable func ask(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let raw = request.uri.queryParameters.get("domain"), !raw.isEmpty else {
            return .plainText("domain is required: /internal/tls/ask?domain=portal.example.net\n", status: .badRequest)
        }
        guard let host = HostName.normalize(raw) else {
            return .plainText("not a domain name\n", status: .badRequest)
        }
        let resolution: HostResolution
        do {
            resolution = try await directory.resolve(host: host)
        } catch {
            context.logger.throttled(
                throttle, key: "tls_ask_failed", level: .error, "TLS ask: host resolution failed", metadata: ["error": "\(error)"])
            return .plainText("unavailable\n", status: .serviceUnavailable)
        }
        switch resolution {
        case .tenant(let tenant) where !tenant.isSuspended:
            return .plainText("ok\n")
        case .operatorConsole:
            return .plainText("ok\n")
        case .tenant, .unknown:
            return .plainText("not served here\n", status: .notFound)
        }
    }
}

/// Runs the internal listener inside `portico serve`'s service group and names the
/// variable to change when its port is taken.
struct InternalListenerService<App: ApplicationProtocol>: Service {
    let app: App
    let port: Int

    func run() async throws {
        do {
            try await app.run()
        } catch let error as IOError {
            throw StartupChecks.describeBindFailure(
                error, listener: .init(host: InternalListener.address, port: port, setting: "PORTICO_INTERNAL_PORT")
            )
        }
    }
}
