import Logging
import Postgres
import ServiceLifecycle

/// How the delivery workers stop: the process-wide signal (`portico serve` triggers it at
/// the first SIGTERM, before the HTTP server drains) and how long the item in hand may take.
public struct WorkerShutdown: Sendable {
    public let signal: ShutdownSignal
    /// `PORTICO_SHUTDOWN_GRACE_SECONDS`. The transfer in flight is stopped two seconds before
    /// it ends (at least one second after the signal), leaving time to record the outcome.
    public let grace: Duration

    public init(signal: ShutdownSignal, grace: Duration) {
        self.signal = signal
        self.grace = grace
    }

    var abortAfter: Duration { max(.seconds(1), grace - .seconds(2)) }
}

/// How a delivery pass stops early: once `signal` is triggered nothing more is claimed, and
/// what is being sent gets `abortAfter` to finish before its transfer is stopped.
public struct DeliveryStop: Sendable {
    public let signal: ShutdownSignal
    public let abortAfter: Duration

    public init(signal: ShutdownSignal, abortAfter: Duration) {
        self.signal = signal
        self.abortAfter = abortAfter
    }
}

/// The loop the outbox and webhook services share: a pass at once when work is committed
/// (a `NOTIFY` on `channel`), and every `pollInterval` for retries that fall due; each pass
/// drains what is due. On shutdown — this service's own, or the process-wide signal — it
/// claims nothing more, lets the item in hand finish or stops it and releases it, and
/// returns when its service group asks it to.
struct DeliveryWorkerLoop: Sendable {
    let name: String
    let channel: String
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration
    let shutdown: WorkerShutdown
    let logger: Logger
    /// One pass; returns how many items it handled (0: nothing due).
    let pass: @Sendable (_ stop: ShutdownSignal) async throws -> Int

    func run() async {
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (events, channel, interval, signal) = (self.events, self.channel, pollInterval, shutdown.signal)
        let forwarder = Task {
            for await event in events {
                if case .notification(let name, _) = event, name == channel { wake.yield() }
                if case .reconnected = event { wake.yield() }
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield()
            }
        }
        let stopper = Task {
            await signal.wait()
            wake.finish()
        }
        defer {
            forwarder.cancel()
            ticker.cancel()
            stopper.cancel()
        }
        // This service's own turn to stop (ServiceGroup stops services one by one): it must not
        // return before it, or the group takes it for a crash.
        let ownTurn = ShutdownSignal()
        wake.yield()
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                do {
                    while !signal.isTriggered, try await pass(signal) > 0 {}
                } catch {
                    logger.warning("\(name) pass failed; will try again", metadata: ["error": "\(error)"])
                }
            }
            if signal.isTriggered { logger.info("\(name) stopped") }
            await ownTurn.wait()
        } onGracefulShutdown: {
            signal.trigger()
            ownTurn.trigger()
        }
    }
}

/// A delivery worker whose passes `DeliveryWorkerService` runs (`OutboxDelivery`,
/// `WebhookDelivery`): each pass claims what is due, sends it and records the outcome.
protocol DeliveryPasses: Sendable {
    /// Names the service in the log ("Outbox delivery").
    static var serviceName: String { get }
    /// The `NOTIFY` channel that says work was committed.
    static var notifyChannel: String { get }
    var logger: Logger { get }
    /// One pass; returns how many items it handled (0: nothing due).
    func runOnce(stop: DeliveryStop?) async throws -> Int
}

/// Runs a delivery worker inside `portico serve`: at once when work is committed (a `NOTIFY`
/// on its channel), and every `pollInterval` for retries that fall due. On shutdown it claims
/// nothing more; what is in hand is sent or, after the grace period, stopped and released for
/// another instance (`DeliveryWorkerLoop`).
struct DeliveryWorkerService<Delivery: DeliveryPasses>: Service {
    let delivery: Delivery
    let events: AsyncStream<NotificationListener.Event>
    let pollInterval: Duration
    let shutdown: WorkerShutdown

    func run() async throws {
        let delivery = self.delivery
        let abortAfter = shutdown.abortAfter
        await DeliveryWorkerLoop(
            name: Delivery.serviceName, channel: Delivery.notifyChannel, events: events, pollInterval: pollInterval,
            shutdown: shutdown, logger: delivery.logger
        ) { signal in
            try await delivery.runOnce(stop: .init(signal: signal, abortAfter: abortAfter))
        }.run()
    }
}
