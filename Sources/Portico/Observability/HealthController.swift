import Hummingbird
import Postgres

/// `/healthz` says the process is up; `/readyz` says it can serve: the database answers
/// within a second and the `LISTEN` connection has not been found deaf (behind a
/// transaction-mode pooler). Load balancers poll these on any host name, so they sit before
/// tenant resolution.
struct HealthController {
    let pool: ConnectionPool
    let listener: NotificationListener
    let throttle: LogThrottle

    static let paths: Set<String> = [PublicRoutes.healthz.path, PublicRoutes.readyz.path]

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(PublicRoutes.healthz, use: health)
        router.get(PublicRoutes.readyz, use: ready)
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response.plainText("ok\n")
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Logged once, at error level, by the listener itself.
        if listener.status == .notDelivered {
            return Response.plainText("notifications not delivered: see PORTICO_LISTEN_DATABASE_URL in the log\n", status: .serviceUnavailable)
        }
        let pool = self.pool
        do {
            try await withTimeout(.seconds(1)) { try await pool.ping() }
            return Response.plainText("ready\n")
        } catch {
            // Load balancers ask every few seconds: one line per interval while it lasts.
            context.logger.throttled(throttle, key: "readiness_failed", level: .warning, "Readiness check failed", metadata: ["error": "\(error)"])
            return Response.plainText("database unavailable\n", status: .serviceUnavailable)
        }
    }
}

extension Response {
    static func plainText(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
