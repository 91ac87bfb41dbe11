import HummingbirdCore
import Logging

/// At most `maximum` connections open at once on the public listener, instead of exhausting
/// file descriptors (which would also starve the database pool and uploads).
///
/// At the cap the connection idle the longest (no request in progress: keep-alive, or a head
/// still trickling in) is closed to make room; while every connection is busy the listener
/// stops accepting and new connections wait in the kernel's listen backlog until one closes.
/// Reaching the cap is logged once per minute at most, with how often it happened since.
struct ConnectionCap: AvailableConnectionsDelegate {
    let maximum: Int
    let idle: IdleConnections
    let logger: Logger
    let throttle: LogThrottle
    private(set) var open = 0

    init(maximum: Int, idle: IdleConnections, logger: Logger, throttle: LogThrottle = LogThrottle(interval: .seconds(60))) {
        self.maximum = maximum
        self.idle = idle
        self.logger = logger
        self.throttle = throttle
    }

    mutating func connectionOpened() {
        open += 1
        if open >= maximum {
            let idleCount = idle.count
            let shed = idle.shedOldest()
            logger.throttled(
                throttle, key: "connection_cap", level: .warning,
                "Connection limit reached (PORTICO_MAX_CONNECTIONS): the connection idle the longest is closed to make room; while none is idle, new connections wait until one closes",
                metadata: ["open": "\(open)", "limit": "\(maximum)", "idle": "\(idleCount)", "closed_idle": "\(shed)"])
        }
    }

    mutating func connectionClosed() {
        open -= 1
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}
