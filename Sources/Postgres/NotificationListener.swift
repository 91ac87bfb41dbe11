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

    /// What the listening connection is doing now (for `/readyz` and `/metrics`).
    public enum Status: String, Sendable, Equatable {
        /// Not started, or connecting for the first time.
        case connecting
        /// `LISTEN` is in place and a test notification came back on it.
        case listening
        /// The connection broke; reconnecting (notifications sent meanwhile are lost).
        case reconnecting
        /// `LISTEN` was accepted but a test notification never arrived: the URL goes
        /// through a transaction-mode pooler (PgBouncer `pool_mode = transaction`), which
        /// hands the listening session to other clients. Nothing would ever be heard.
        case notDelivered = "not_delivered"
    }

    private struct State {
        var subscribers: [UInt64: AsyncStream<Event>.Continuation] = [:]
        var nextID: UInt64 = 0
        var running = false
        var stopRequested = false
        var connectedOnce = false
        var status = Status.connecting
        var reportedNotDelivered = false
    }

    /// Channel of the start-up round trip: `NOTIFY` from a second connection must reach the
    /// listening one before it counts as listening.
    static let probeChannel = "portico_listen_probe"

    private let conninfo: String
    private let channels: [String]
    private let cacheStatements: Bool
    private let probeTimeout: Duration
    /// The variable to name when notifications do not arrive.
    private let urlVariable: String
    private let logger: Logger
    private let state = Mutex(State())
    private let stopped = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - channels: channel names the program defines (lower-case letters, digits, `_`).
    ///   - cacheStatements: the process-wide statement-cache setting; the listener itself
    ///     only sends simple-protocol commands, but every connection follows the setting.
    ///   - probeTimeout: how long the start-up `NOTIFY` round trip may take.
    ///   - urlVariable: the configuration variable `conninfo` came from, for the error line
    ///     (which always names `PORTICO_LISTEN_DATABASE_URL`, the remedy).
    public init(
        conninfo: String, channels: [String], cacheStatements: Bool = true, probeTimeout: Duration = .seconds(5),
        urlVariable: String = "PORTICO_LISTEN_DATABASE_URL",
        logger: Logger = Logger(label: "portico.postgres.listen")
    ) {
        for channel in channels {
            precondition(
                !channel.isEmpty && channel.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 },
                "notification channel names are program constants of [a-z0-9_]"
            )
        }
        self.conninfo = conninfo
        self.channels = channels
        self.cacheStatements = cacheStatements
        self.probeTimeout = probeTimeout
        self.urlVariable = urlVariable
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

    public var status: Status { state.withLock { $0.status } }

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
                    let fresh = try Connection.connect(to: conninfo, applicationName: "portico-listen", cacheStatements: cacheStatements)
                    for channel in channels {
                        try fresh.run(script: "LISTEN \(channel)")
                    }
                    guard try roundTrip(on: fresh) else {
                        reportNotDelivered()
                        // Keep trying (slowly): a pooler in front may be reconfigured, and a
                        // stop request is honoured within the sleep's quarter seconds.
                        sleep(seconds: 30)
                        continue
                    }
                    connection = fresh
                    backoff = 0.1
                    let reconnect = state.withLock { state in
                        defer {
                            state.connectedOnce = true
                            state.status = .listening
                        }
                        return state.connectedOnce
                    }
                    if reconnect {
                        logger.info("Notification listener reconnected")
                        broadcast(.reconnected)
                    }
                } catch {
                    state.withLock { state in
                        if state.status == .listening { state.status = .reconnecting }
                    }
                    logger.warning("Notification listener cannot connect; retrying", metadata: ["error": "\(error)", "retry_in_s": "\(backoff)"])
                    sleep(seconds: backoff)
                    backoff = min(backoff * 2, 5)
                    continue
                }
            }
            guard let active = connection else { continue }
            var descriptor = pollfd(fd: active.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR {
                connection = nil
                markReconnecting()
                continue
            }
            if ready > 0 {
                if !active.consumeInput() || active.isBroken {
                    logger.warning("Notification listener lost its connection", metadata: ["error": "\(active.lastErrorMessage)"])
                    connection = nil
                    markReconnecting()
                    continue
                }
                while let notification = active.nextNotification() {
                    guard notification.channel != Self.probeChannel else { continue }
                    broadcast(.notification(channel: notification.channel, payload: notification.payload))
                }
            }
        }
    }

    /// Proves that notifications reach `listening`: it listens on the probe channel, a
    /// second connection on the same URL sends `NOTIFY` there with a fresh token, and the
    /// token must come back within `probeTimeout`. Through a transaction-mode pooler the
    /// `LISTEN` is accepted but the listening server session goes back to the pool, so the
    /// token never arrives — the silent failure this check turns into a clear error.
    /// Notifications for the real channels that arrive meanwhile are passed on.
    private func roundTrip(on listening: Connection) throws -> Bool {
        try listening.run(script: "LISTEN \(Self.probeChannel)")
        let token = UUID().uuidString.lowercased()
        do {
            let sender = try Connection.connect(to: conninfo, applicationName: "portico-listen-probe", cacheStatements: cacheStatements)
            // The token is a UUID we made: hex digits and dashes only.
            try sender.run(script: "NOTIFY \(Self.probeChannel), '\(token)'")
        }
        let deadline = ContinuousClock.now + probeTimeout
        while ContinuousClock.now < deadline && !stopRequested {
            var descriptor = pollfd(fd: listening.socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR {
                throw PostgresError(kind: .connection, message: "poll failed on the listening connection")
            }
            guard ready > 0 else { continue }
            guard listening.consumeInput(), !listening.isBroken else {
                throw PostgresError(kind: .connection, message: listening.lastErrorMessage)
            }
            var heard = false
            while let notification = listening.nextNotification() {
                if notification.channel == Self.probeChannel {
                    heard = heard || notification.payload == token
                } else {
                    broadcast(.notification(channel: notification.channel, payload: notification.payload))
                }
            }
            if heard {
                try listening.run(script: "UNLISTEN \(Self.probeChannel)")
                return true
            }
        }
        return false
    }

    /// One error line per process, however often the probe fails again.
    private func reportNotDelivered() {
        let first = state.withLock { state in
            state.status = .notDelivered
            defer { state.reportedNotDelivered = true }
            return !state.reportedNotDelivered
        }
        let message: Logger.Message = """
            LISTEN through \(urlVariable) hears nothing: a test NOTIFY did not arrive within \(probeTimeout) \
            (a transaction-mode pooler such as PgBouncer with pool_mode = transaction hands the listening session to other clients). \
            Set PORTICO_LISTEN_DATABASE_URL to a direct connection to the primary, or to a session-mode pool; \
            until then /readyz answers 503 and this instance hears no cache invalidations, live updates or outbox wake-ups
            """
        if first {
            logger.error(message)
        } else {
            logger.debug(message)
        }
    }

    private func markReconnecting() {
        state.withLock { state in
            if state.status == .listening { state.status = .reconnecting }
        }
    }

    /// Sleeps in quarter seconds so that `stop()` is not held up.
    private func sleep(seconds: Double) {
        let until = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < until && !stopRequested {
            Thread.sleep(forTimeInterval: 0.25)
        }
    }
}
