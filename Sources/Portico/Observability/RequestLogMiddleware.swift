import Hummingbird
import Logging
import NIOHTTP1

/// One access line per request and the request id echoed in `X-Request-ID`, so a user's
/// report can be matched to the log.
///
/// The line names the ROUTE PATTERN (`/portal/invite/{token}`), never the path or query a
/// client sent: invitation, setup, calendar and unsubscribe secrets are path segments and
/// reset tokens are query parameters. Beside it: tenant slug, client IP (after the trusted-
/// proxy rules), request id, status and duration.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[.xRequestID] = context.id
            log(request, context: context, status: Int(response.status.code), since: start)
            return response
        } catch {
            // What reaches here is answered by the server itself: a request whose body broke
            // off or could not be parsed (400, connection closed), or an error that names its
            // own status; anything else becomes a 500.
            let status = error is HTTPParserError ? 400 : Int((error as? any HTTPResponseError)?.status.code ?? 500)
            log(request, context: context, status: status, since: start)
            throw error
        }
    }

    func log(_ request: Request, context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let route = Self.route(context.endpointPath)
        // `info` whatever the status: the status is a field, and why a request failed is logged
        // where it failed (unexpected errors at `error`, a database outage once per interval),
        // so warnings and errors stay worth reading during an outage.
        let level: Logger.Level = HealthController.paths.contains(route) ? .debug : .info
        var logger = context.logger
        logger[metadataKey: "hb.request.id"] = nil
        logger[metadataKey: "tenant"] = nil
        let facts = context.facts
        logger.log(
            level: level, "request",
            metadata: [
                "method": "\(request.method)",
                "route": "\(route)",
                "status": "\(status)",
                "duration_ms": "\(String(format: "%.1f", milliseconds))",
                "tenant": "\(facts.tenant ?? "-")",
                "client_ip": "\(facts.clientIP ?? context.clientIP)",
                "request_id": "\(context.id)",
            ])
    }

    /// The pattern the router matched; `-` when none did (a 404, or a request refused
    /// before routing): a path no route knows is the client's text and stays out of the log.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "-" }
        return endpointPath
    }
}
