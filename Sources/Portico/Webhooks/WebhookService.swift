import Foundation
import Postgres
import ServiceLifecycle

/// Runs webhook delivery inside `portico serve`: at once when deliveries are committed (a
/// `NOTIFY portico_webhooks`) and on a timer for retries that fall due. On shutdown it
/// finishes the batch in hand; rows it could not finish are rescued later.
struct WebhookService: Service {
    let delivery: WebhookDelivery
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration

    func run() async throws {
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let events = self.events
        let forwarder = Task {
            for await event in events {
                if case .notification(let channel, _) = event, channel == WebhookDelivery.channel { wake.yield() }
                if case .reconnected = event { wake.yield() }
            }
        }
        let interval = pollInterval
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        defer {
            forwarder.cancel()
            ticker.cancel()
        }
        wake.yield()
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                do {
                    while try await delivery.runOnce() > 0 {}
                } catch {
                    delivery.logger.warning("Webhook delivery pass failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            wake.finish()
        }
    }
}
