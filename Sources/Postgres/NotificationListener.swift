import CLibPQ
import Foundation
import Logging
import Synchronization

/// Receives PostgreSQL `NOTIFY` messages on a dedicated connection and a dedicated thread,
/// and hands them to any number of subscribers.
///
/// The connection is re-opened after it breaks (server restart). Notifications sent while
/// it was down are lost, so subscribers get `.reconnected` and must assume they missed
/// something (a cache, for instance, flushes itself).
public final class NotificationListener: Sendable {
    public enum Event: Sendable, Equatable {
        case notification(channel: String, payload: String)
        /// The listening connection was re-established after a failure.
        case reconnected
    }

    private struct State {
        var subscribers: [UInt64: AsyncStream<Event>.Continuation] = [:]
        var nextID: UInt64 = 0
        var running = false
        var stopRequested = false
        var connectedOnce = false
    }

    private let conninfo: String
    private let channels: [String]
    private let logger: Logger
    private let state = Mutex(State())
    private let stopped = DispatchSemaphore(value: 0)

    /// - Parameter channels: channel names the program defines (lower-case letters, digits, `_`).
    public init(conninfo: String, channels: [String], logger: Logger = Logger(label: "portico.postgres.listen")) {
        for channel in channels {
            precondition(
                !channel.isEmpty && channel.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 },
                "notification channel names are program constants of [a-z0-9_]"
            )
        }
        self.conninfo = conninfo
        self.channels = channels
        self.logger = logger
    }

    /// A stream of events from now on; it ends when the listener stops.
    public func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Starts the listening thread. Safe to call once.
    public func start() {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running
        }
        guard !alreadyRunning else { return }
        let thread = Thread { [self] in self.run() }
        thread.name = "portico-listen"
        thread.start()
    }

    /// Stops the thread (within about a quarter of a second) and ends every subscription.
    public func stop() async {
        let wasRunning = state.withLock { state in
            state.stopRequested = true
            return state.running
        }
        if wasRunning {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    self.stopped.wait()
                    continuation.resume()
                }
            }
        }
        let subscribers = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// True once the first `LISTEN` has run: from then on no notification is missed (except
    /// across a reconnect, which subscribers hear about).
    public var isListening: Bool { state.withLock { $0.connectedOnce } }

    private var stopRequested: Bool { state.withLock { $0.stopRequested } }

    private func broadcast(_ event: Event) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    private func run() {
        defer {
            state.withLock { $0.running = false }
            stopped.signal()
        }
        var connection: Connection?
        var backoff = 0.1
        while !stopRequested {
            if connection == nil {
                do {
                    let fresh = try Connection.connect(to: conninfo, applicationName: "portico-listen")
                    for channel in channels {
                        try fresh.run(script: "LISTEN \(channel)")
                    }
                    connection = fresh
                    backoff = 0.1
                    let reconnect = state.withLock { state in
                        defer { state.connectedOnce = true }
                        return state.connectedOnce
                    }
                    if reconnect {
                        logger.info("Notification listener reconnected")
                        broadcast(.reconnected)
                    }
                } catch {
                    logger.warning("Notification listener cannot connect; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, 5)
                    continue
                }
            }
            guard let active = connection else { continue }
            var descriptor = pollfd(fd: active.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR {
                connection = nil
                continue
            }
            if ready > 0 {
                if !active.consumeInput() || active.isBroken {
                    logger.warning("Notification listener lost its connection", metadata: ["error": "\(active.lastErrorMessage)"])
                    connection = nil
                    continue
                }
                while let notification = active.nextNotification() {
                    broadcast(.notification(channel: notification.channel, payload: notification.payload))
                }
            }
        }
    }
}
