import CoreMetrics
import Hummingbird
import Metrics

/// Counts requests and records their duration by route pattern (`/portal/work-orders/{id}`,
/// never the raw path: ids and tokens stay out of the series, and their number stays
/// bounded), method and status class (`2xx` … `5xx`).
///
/// Outermost middleware, so it sees every answer, errors and unknown hosts included. The
/// duration ends when the response is ready, before its body streams: a 30-minute
/// Server-Sent Events stream counts as the moment it was accepted.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Requests no route matched (unknown host, 404) share one series.
    static var unmatched: String { "unmatched" }

    /// The route pattern, or `unmatched` (Hummingbird says "NotFound" when routing found none).
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return unmatched }
        return endpointPath
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, route: context.endpointPath, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, route: context.endpointPath, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, route: String?, status: Int, since start: ContinuousClock.Instant) {
        let dimensions = [
            ("route", Self.route(route)),
            ("method", request.method.rawValue),
            ("status_class", "\(min(max(status / 100, 1), 5))xx"),
        ]
        Counter(label: PorticoMetrics.Name.requests, dimensions: dimensions).increment()
        CoreMetrics.Timer(label: PorticoMetrics.Name.requestDuration, dimensions: dimensions, preferredDisplayUnit: .seconds)
            .recordInterval(since: start)
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
