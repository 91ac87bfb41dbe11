import HummingbirdCore
import Logging

/// At most `maximum` connections open at once on the public listener. At the cap the
/// listener stops accepting: new connections wait in the kernel's listen backlog (and a
/// load balancer's health check notices) instead of exhausting file descriptors, which
/// would also starve the database pool and uploads.
///
/// Reaching the cap is logged once per minute at most, with how often it happened since.
struct ConnectionCap: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    let throttle: LogThrottle
    private(set) var open = 0

    init(maximum: Int, logger: Logger, throttle: LogThrottle = LogThrottle(interval: .seconds(60))) {
        self.maximum = maximum
        self.logger = logger
        self.throttle = throttle
    }

    mutating func connectionOpened() {
        open += 1
        if open == maximum {
            logger.throttled(throttle, key: "connection_cap", level: .warning,
                             "Connection limit reached: new connections wait until one closes (PORTICO_MAX_CONNECTIONS)",
                             metadata: ["open": "\(open)", "limit": "\(maximum)"])
        }
    }

    mutating func connectionClosed() {
        open -= 1
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}
