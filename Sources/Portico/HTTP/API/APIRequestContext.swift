import Foundation
import Hummingbird
import NIOCore

/// The context of every `/api/v1` route on a tenant's host. Like `TenantRequestContext` it
/// exists only when the Host header named a tenant, but it carries no cookie session and no
/// CSRF token: API clients authenticate each request with a bearer credential, which the
/// authenticator middleware of the route group checks and records here.
public struct APIRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let remoteAddress: SocketAddress?
    public let clientIP: String
    public let requestHost: String
    /// Set by `SubscriberTokenAuthenticator` for a live access token of this tenant.
    public var subscriber: APISubscriber?
    /// Set by the integration API's key authenticator for a live key of this tenant.
    public var apiKey: APIKeyIdentity?

    public init(context: AppRequestContext) throws {
        guard case .tenant(let tenant) = context.site else {
            // The API exists only on tenant hosts; on the operator host it is not there at all.
            throw AppError.notFound("API endpoint")
        }
        self.coreContext = context.coreContext
        self.tenant = tenant
        self.remoteAddress = context.remoteAddress
        self.clientIP = context.clientIP
        self.requestHost = context.requestHost
    }

    /// JSON bodies are read through `APIBody.decode`, which applies its own (smaller) limit;
    /// uploads stream with theirs.
    public var maxUploadSize: Int { APIBody.defaultLimit }

    public var origin: RequestOrigin { RequestOrigin(ip: clientIP, userAgent: "") }
}

/// A subscriber authenticated by an access token.
public struct APISubscriber: Sendable {
    public let customer: SignedInCustomer
    /// The sign-in the token belongs to: refresh rotates within it, logout revokes all of it.
    public let tokenFamily: UUID
}

/// An integration API key: which one, and what it may do.
public struct APIKeyIdentity: Sendable {
    public enum Scope: String, Sendable, CaseIterable {
        case read, write
    }

    public let id: UUID
    public let name: String
    public let scopes: Set<Scope>

    public init(id: UUID, name: String, scopes: Set<Scope>) {
        self.id = id
        self.name = name
        self.scopes = scopes
    }

    public var actor: Actor { Actor(kind: .integration, id: id, name: "API key \(name)") }
}
