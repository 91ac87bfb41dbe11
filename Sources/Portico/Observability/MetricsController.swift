import CoreMetrics
import Foundation
import Hummingbird
import Logging
import Postgres
import Prometheus

/// `GET /metrics` on the loopback internal listener: the Prometheus text exposition of
/// everything recorded through swift-metrics, plus gauges read at scrape time — the pool's
/// counts, the `LISTEN` connection's state, and the outbox and webhook backlogs (one small
/// query each, across tenants, under the delivery workers' read policies).
struct MetricsController {
    let pool: ConnectionPool
    let listener: NotificationListener

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(PublicRoutes.metrics, use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: BasicRequestContext) async throws -> Response {
        await recordScrapeTimeGauges(logger: context.logger)
        let text = PorticoMetrics.registry.emitToBuffer()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }

    private func recordScrapeTimeGauges(logger: Logger) async {
        typealias Name = PorticoMetrics.Name
        let statistics = await pool.statistics()
        Gauge(label: Name.poolOpen).record(statistics.open)
        Gauge(label: Name.poolInUse).record(statistics.open - statistics.idle)
        Gauge(label: Name.poolWaiting).record(statistics.waiting)
        Gauge(label: Name.poolMax).record(statistics.maxConnections)

        let status = listener.status
        Gauge(label: Name.listenConnected).record(status == .listening ? 1 : 0)
        for state in [NotificationListener.Status.connecting, .listening, .reconnecting, .notDelivered] {
            Gauge(label: Name.listenState, dimensions: [("state", state.rawValue)]).record(state == status ? 1 : 0)
        }
        Gauge(label: Name.buildInfo, dimensions: [("version", PorticoVersion.current)]).record(1)

        // The backlogs need the database; a scrape during an outage still answers, with the
        // last values and an error count that says why they are stale.
        do {
            let (outbox, webhooks) = try await withTimeout(.seconds(2)) {
                let outbox = try await OutboxDelivery.acrossTenants(pool) { tx in try await Backlog.read("outbox", in: tx) }
                let webhooks = try await WebhookDelivery.acrossTenants(pool) { tx in try await Backlog.read("webhook_deliveries", in: tx) }
                return (outbox, webhooks)
            }
            Gauge(label: Name.outboxBacklog).record(outbox.count)
            Gauge(label: Name.outboxOldestDue).record(outbox.oldestDueSeconds)
            Gauge(label: Name.webhookBacklog).record(webhooks.count)
            Gauge(label: Name.webhookOldestDue).record(webhooks.oldestDueSeconds)
        } catch {
            Counter(label: Name.scrapeErrors).increment()
            logger.debug("Metrics: backlog query failed", metadata: ["error": "\(error)"])
        }
    }
}
