import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Runs outbox delivery inside `portico serve`: immediately when mail is committed (a
/// `NOTIFY portico_outbox`), and every few seconds for retries that fall due. On shutdown it
/// finishes the message in hand; claimed rows it could not finish are rescued later.
struct OutboxService: Service {
    let delivery: OutboxDelivery
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration

    func run() async throws {
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let events = self.events
        let forwarder = Task {
            for await event in events {
                if case .notification(let channel, _) = event, channel == "portico_outbox" { wake.yield() }
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
                    // Drain everything due before sleeping again.
                    while try await delivery.runOnce() > 0 {}
                } catch {
                    delivery.logger.warning("Outbox delivery pass failed; will try again", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            wake.finish()
        }
    }
}
