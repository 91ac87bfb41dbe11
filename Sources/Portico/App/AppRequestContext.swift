import Hummingbird
import NIOCore

/// The context every request starts with. Middleware fill in what they learn (the site the
/// Host header names); child contexts (`TenantRequestContext`, …) turn those optional facts
/// into guarantees for the routes beneath them.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; the client itself unless a trusted proxy is in between.
    public let remoteAddress: SocketAddress?
    /// Which part of the platform the Host header addressed.
    public var site: Site = .unresolved
    /// The client address after trusted-proxy handling (`X-Forwarded-For`).
    public var clientIP: String = ""
    /// The Host the client addressed, as sent (port included): what `Origin` must match.
    public var requestHost: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientIP = remoteAddress?.ipAddress ?? ""
    }

    /// Uploads and API bodies are streamed and limited by their handlers; decoding a whole
    /// body into memory is only for small forms.
    public var maxUploadSize: Int { 1 * 1024 * 1024 }
}

/// What a request's Host header resolved to.
public enum Site: Sendable {
    case unresolved
    case tenant(ResolvedTenant)
    case operatorConsole
}
