import Hummingbird
import NIOCore
import Synchronization

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
    /// What middleware learn for the access log. A reference: the log middleware runs
    /// outside the ones that learn it, and contexts are values.
    public let facts = RequestFacts()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientIP = remoteAddress?.ipAddress ?? ""
    }

    /// Uploads and API bodies are streamed and limited by their handlers; decoding a whole
    /// body into memory is only for small forms.
    public var maxUploadSize: Int { 1 * 1024 * 1024 }
}

/// The tenant and client address of a request, once site resolution has them.
public final class RequestFacts: Sendable {
    private let state = Mutex<(tenant: String?, clientIP: String?)>((nil, nil))

    public var tenant: String? {
        get { state.withLock { $0.tenant } }
        set { state.withLock { $0.tenant = newValue } }
    }

    public var clientIP: String? {
        get { state.withLock { $0.clientIP } }
        set { state.withLock { $0.clientIP = newValue } }
    }
}

/// What a request's Host header resolved to.
public enum Site: Sendable {
    case unresolved
    case tenant(ResolvedTenant)
    case operatorConsole
}
