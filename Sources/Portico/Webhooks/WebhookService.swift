import Foundation
import Postgres
import ServiceLifecycle

/// Runs webhook delivery inside `portico serve`: at once when deliveries are committed (a
/// `NOTIFY portico_webhooks`) and on a timer for retries that fall due. On shutdown it claims
/// nothing more; deliveries in flight finish or, after the grace period, are stopped and
/// released for another instance (`DeliveryWorkerLoop`).
struct WebhookService: Service {
    let delivery: WebhookDelivery
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration
    let shutdown: WorkerShutdown

    func run() async throws {
        let delivery = self.delivery
        let abortAfter = shutdown.abortAfter
        await DeliveryWorkerLoop(
            name: "Webhook delivery", channel: WebhookDelivery.channel, events: events, pollInterval: pollInterval,
            shutdown: shutdown, logger: delivery.logger
        ) { signal in
            try await delivery.runOnce(stop: .init(signal: signal, abortAfter: abortAfter))
        }.run()
    }
}
