import Foundation
import Logging

/// What the public listener allows a client before it is cut off.
public struct HTTPLimits: Sendable {
    /// A request head (request line and headers) must arrive completely within this time
    /// of its first byte (`PORTICO_HTTP_HEADER_TIMEOUT_SECONDS`); the client gets 408.
    public var headerTimeout: Duration = .seconds(10)
    /// A connection that sends nothing for this long — between requests, or in the middle
    /// of a request body — is closed (`PORTICO_HTTP_IDLE_TIMEOUT_SECONDS`). Keep it above the
    /// reverse proxy's upstream keep-alive so that the proxy, not Portico, closes idle ones.
    public var idleTimeout: Duration = .seconds(75)
    /// Connections held at once (`PORTICO_MAX_CONNECTIONS`); beyond it new ones wait in the
    /// kernel's listen backlog until one closes. nil: the open-files limit less a reserve for
    /// the database pool and files, at most 10 000.
    public var maxConnections: Int?

    public init() {}

    /// The limit in force: configured, or derived from `RLIMIT_NOFILE`.
    public var effectiveMaxConnections: Int {
        if let maxConnections { return maxConnections }
        var limit = rlimit()
        #if canImport(Glibc)
        let status = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        let status = getrlimit(RLIMIT_NOFILE, &limit)
        #endif
        // RLIM_INFINITY is all ones; anything that large means "no limit" here.
        guard status == 0, limit.rlim_cur < 1_000_000_000 else { return 10_000 }
        return min(10_000, max(64, Int(limit.rlim_cur) - 256))
    }
}
