import Foundation
import Hummingbird

/// Where a request comes from, for audit events and rate limits.
public struct RequestOrigin: Sendable {
    public let ip: String
    public let userAgent: String

    public init(ip: String, userAgent: String) {
        self.ip = ip
        self.userAgent = userAgent
    }

    /// The client's address (as the proxy chain resolved it) and the request's `User-Agent`.
    public init(_ request: Request, ip: String) {
        self.init(ip: ip, userAgent: request.headers[.userAgent] ?? "")
    }
}

extension TenantRequestContext {
    /// Where this request comes from: the sign-in, invitation and recovery pages of both the
    /// portal and the console audit and rate-limit by it.
    func origin(_ request: Request) -> RequestOrigin { RequestOrigin(request, ip: clientIP) }
}
