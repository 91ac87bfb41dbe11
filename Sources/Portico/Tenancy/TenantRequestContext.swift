import Foundation
import Hummingbird
import NIOCore

/// The context of every route on a tenant's host. Created only when the Host header
/// resolved to a tenant, so `tenant` is not optional for any route beneath it.
public struct TenantRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let remoteAddress: SocketAddress?
    public let clientIP: String
    public let requestHost: String
    /// Set by `SessionMiddleware` when the request carries a live session.
    public var auth: AuthState?
    /// The CSRF token forms on this page must carry: the session's, or the anonymous
    /// double-submit token when signed out.
    public var csrfToken: String = ""
    /// A fresh anonymous CSRF token to set as a cookie on the response.
    public var newAnonymousCSRFToken: String?
    /// Path and query of the request, to come back to after signing in.
    public var requestPath: String = "/"

    public init(context: AppRequestContext) throws {
        guard case .tenant(let tenant) = context.site else {
            // A tenant route asked for on the operator host: as if it did not exist.
            throw AppError.notFound()
        }
        self.coreContext = context.coreContext
        self.tenant = tenant
        self.remoteAddress = context.remoteAddress
        self.clientIP = context.clientIP
        self.requestHost = context.requestHost
    }

    public var maxUploadSize: Int { 1 * 1024 * 1024 }
}

/// Who is signed in on this request.
public struct AuthState: Sendable {
    public let token: String
    public let session: SessionRecord

    public init(token: String, session: SessionRecord) {
        self.token = token
        self.session = session
    }

    public var customer: SignedInCustomer? {
        guard session.principalKind == .customer, !session.secondFactorPending, let organization = session.organizationId else { return nil }
        return SignedInCustomer(
            id: session.principalId, organizationId: organization, name: session.principalName,
            email: session.principalEmail, emailVerified: session.emailVerified
        )
    }

    public var staff: SignedInStaff? {
        guard session.principalKind == .staff, !session.secondFactorPending, let role = session.staffRole else { return nil }
        return SignedInStaff(id: session.principalId, name: session.principalName, email: session.principalEmail, role: role)
    }
}

public struct SignedInCustomer: Sendable {
    public let id: UUID
    public let organizationId: UUID
    public let name: String
    public let email: String
    public let emailVerified: Bool

    public var actor: Actor { Actor(kind: .customer, id: id, name: name) }
}

public struct SignedInStaff: Sendable {
    public let id: UUID
    public let name: String
    public let email: String
    public let role: StaffRole
    /// `.integration` when an API key acts through the staff services (id: the key's id).
    public var kind: Actor.Kind = .staff

    public var displayName: String { name.isEmpty ? email : name }
    public var actor: Actor { Actor(kind: kind, id: id, name: displayName) }

    /// An integration API key acting with the rights of an admin, recorded as itself.
    public static func integration(_ key: APIKeyIdentity) -> SignedInStaff {
        SignedInStaff(id: key.id, name: key.actor.name, email: key.actor.name, role: .admin, kind: .integration)
    }
}
