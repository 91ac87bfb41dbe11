import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Runs outbox delivery inside `portico serve`: immediately when mail is committed (a
/// `NOTIFY portico_outbox`), and every few seconds for retries that fall due. On shutdown it
/// claims nothing more; the message in hand is sent or, after the grace period, stopped and
/// released for another instance (`DeliveryWorkerLoop`).
struct OutboxService: Service {
    let delivery: OutboxDelivery
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration
    let shutdown: WorkerShutdown

    func run() async throws {
        let delivery = self.delivery
        let abortAfter = shutdown.abortAfter
        await DeliveryWorkerLoop(
            name: "Outbox delivery", channel: "portico_outbox", events: events, pollInterval: pollInterval,
            shutdown: shutdown, logger: delivery.logger
        ) { signal in
            try await delivery.runOnce(stop: .init(signal: signal, abortAfter: abortAfter))
        }.run()
    }
}
