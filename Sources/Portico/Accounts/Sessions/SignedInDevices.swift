import Foundation
import Postgres

/// A place where someone is signed in: a browser session, or (subscribers) an app sign-in
/// through the API.
public struct SignedInDevice: Sendable {
    public enum Kind: String, Sendable { case browser, app }

    public let id: UUID
    public let kind: Kind
    public let agent: UserAgentSummary
    /// The address it signed in from: the only "place" we know, and an approximate one.
    public let ip: String
    public let signedInAt: Date
    public let lastSeenAt: Date
    public let isCurrent: Bool
    /// Staff: the password was right but the two-factor code is still owed.
    public let waitingForSecondFactor: Bool
}

/// "Where you're signed in" for subscribers (`/portal/profile`) and staff (`/admin/account`):
/// the list, and signing out one device or every other one. Only the person's own sessions
/// can be named: another person's or another tenant's id is as unknown as a made-up one.
public struct SignedInDevices: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore

    /// Who is asking: the signed-in principal and the session they are using.
    public struct Owner: Sendable {
        public let kind: PrincipalKind
        public let id: UUID
        public let email: String
        public let token: String

        public init(kind: PrincipalKind, id: UUID, email: String, token: String) {
            self.kind = kind
            self.id = id
            self.email = email
            self.token = token
        }
    }

    public func list(for owner: Owner, tenant: ResolvedTenant) async throws -> [SignedInDevice] {
        try await pool.withTenant(tenant.id) { tx in try await list(for: owner, in: tx) }
    }

    func list(for owner: Owner, in tx: TenantTransaction) async throws -> [SignedInDevice] {
        let sessions = try await sessions.list(kind: owner.kind, principal: owner.id, current: owner.token, in: tx)
        var devices = sessions.map {
            SignedInDevice(
                id: $0.id, kind: .browser, agent: UserAgentSummary($0.userAgent), ip: $0.ip, signedInAt: $0.createdAt,
                lastSeenAt: $0.lastSeenAt, isCurrent: $0.current, waitingForSecondFactor: $0.secondFactorPending)
        }
        if owner.kind == .customer {
            devices += try await repositories.apiTokens.families(customer: owner.id, in: tx).map {
                SignedInDevice(
                    id: $0.familyId, kind: .app, agent: UserAgentSummary($0.userAgent), ip: $0.ip, signedInAt: $0.signedInAt,
                    lastSeenAt: $0.lastRefreshAt, isCurrent: false, waitingForSecondFactor: false)
            }
        }
        return devices
    }

    public enum SignOutResult: Sendable, Equatable {
        /// Another device of theirs was signed out.
        case signedOut(label: String)
        /// The id named the session making the request: it was ended like a sign-out.
        case signedOutHere
    }

    /// Ends one of the owner's sessions or app sign-ins; anything else is a 404 and changes nothing.
    public func signOut(device id: UUID, for owner: Owner, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> SignOutResult {
        try await pool.withTenant(tenant.id) { tx in
            guard let device = try await list(for: owner, in: tx).first(where: { $0.id == id }) else { throw AppError.notFound("session") }
            let ended: Bool
            switch device.kind {
            case .browser: ended = try await sessions.revoke(id: id, kind: owner.kind, principal: owner.id, in: tx)
            case .app: ended = try await repositories.apiTokens.revokeFamily(id, customer: owner.id, in: tx)
            }
            guard ended else { throw AppError.notFound("session") }
            try await audit(
                owner, action: "session.ended", origin: origin,
                details: [
                    "device": device.agent.label, "ip": device.ip, "kind": device.kind.rawValue, "this_device": device.isCurrent ? "yes" : "no",
                ], in: tx)
            return device.isCurrent ? .signedOutHere : .signedOut(label: device.agent.label)
        }
    }

    /// Ends every session and app sign-in of the owner but the one making the request.
    public func signOutOthers(for owner: Owner, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> Int {
        try await pool.withTenant(tenant.id) { tx in
            var ended = try await sessions.revokeAll(kind: owner.kind, principal: owner.id, except: owner.token, in: tx)
            if owner.kind == .customer {
                for family in try await repositories.apiTokens.families(customer: owner.id, in: tx) {
                    if try await repositories.apiTokens.revokeFamily(family.familyId, customer: owner.id, in: tx) { ended += 1 }
                }
            }
            try await audit(owner, action: "session.ended_others", origin: origin, details: ["count": "\(ended)"], in: tx)
            return ended
        }
    }

    func audit(_ owner: Owner, action: String, origin: RequestOrigin, details: [String: String], in tx: TenantTransaction) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: owner.kind.rawValue, actorId: owner.id, actorLabel: owner.email,
                action: owner.kind == .staff ? "staff.\(action)" : action, targetKind: owner.kind.rawValue, targetId: owner.id.uuidString,
                ip: origin.ip, userAgent: origin.userAgent, details: details), in: tx)
    }
}
