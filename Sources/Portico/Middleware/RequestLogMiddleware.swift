import Hummingbird
import Logging

/// One structured log line per request (method, path, status, duration, request id) and
/// the request id echoed in `X-Request-ID`, so a user's report can be matched to the log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        response.headers[.xRequestID] = context.id
        let level: Logger.Level = response.status.code >= 500 ? .error : (HealthController.paths.contains(request.uri.path) ? .debug : .info)
        context.logger.log(level: level, "request", metadata: [
            "method": "\(request.method)",
            "path": "\(request.uri.path)",
            "status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.1f", milliseconds))",
        ])
        return response
    }
}
