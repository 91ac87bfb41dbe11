import Foundation
import Logging
import PorticoCrypto
import Postgres

/// Subscriber accounts: registration, sign-in, verification, password reset, invitations,
/// access codes, profile and password changes. HTTP-free, so pages and the API share it.
public struct CustomerAccounts: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore
    let devices: SignedInDevices
    let rateLimiter: RateLimiter
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let outbox: Outbox

    // MARK: Sign-in

    public enum SignInOutcome: Sendable {
        case signedIn(token: String, customerID: UUID, remember: Bool)
        /// Wrong identifier or password: one answer for both.
        case invalidCredentials
        case notAllowed(CustomerStatus)
    }

    /// How a subscriber signs in: the portal's cookie session or the API's bearer tokens.
    /// Both share the credential check, the rate limits and the audit events.
    public enum SignInChannel: String, Sendable {
        case portal, api

        var auditDetails: [String: String] { self == .api ? ["channel": "api"] : [:] }
    }

    /// The outcome of a sign-in whose credential (session token or API tokens) the caller chose.
    public enum CheckedSignIn<Credential: Sendable>: Sendable {
        case signedIn(Credential, customerID: UUID)
        /// Wrong identifier or password: one answer for both.
        case invalidCredentials
        case notAllowed(CustomerStatus)
    }

    /// Signs in to the portal: a fresh cookie session (replacing the one the browser brought).
    public func signIn(
        identifier: String, password: String, remember: Bool, tenant: ResolvedTenant, origin: RequestOrigin,
        replacing oldToken: String?
    ) async throws -> SignInOutcome {
        let sessions = self.sessions
        let outcome = try await checkedSignIn(identifier: identifier, password: password, tenant: tenant, origin: origin, channel: .portal) {
            customerID, tx in
            if let oldToken { try await sessions.revoke(token: oldToken, in: tx) }
            return try await sessions.create(
                kind: .customer, principal: customerID, remember: remember,
                secondFactorPending: false, ip: origin.ip, userAgent: origin.userAgent, in: tx)
        }
        switch outcome {
        case .signedIn(let token, let customerID): return .signedIn(token: token, customerID: customerID, remember: remember)
        case .invalidCredentials: return .invalidCredentials
        case .notAllowed(let status): return .notAllowed(status)
        }
    }

    /// Signs in to the API: a new token family (access + refresh token).
    public func signInForAPI(
        identifier: String, password: String, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws -> CheckedSignIn<IssuedTokens> {
        let tokens = repositories.apiTokens
        return try await checkedSignIn(identifier: identifier, password: password, tenant: tenant, origin: origin, channel: .api) {
            customerID, tx in
            try await tokens.issue(customer: customerID, origin: origin, in: tx)
        }
    }

    /// Checks the password of whoever the identifier (email, account number or phone) names,
    /// under the per-account, per-IP and per-tenant limits shared by every channel. On success
    /// `issue` creates the credential in the same transaction as the audit event.
    /// Unknown identifiers cost the same Argon2id work as known ones.
    func checkedSignIn<Credential: Sendable>(
        identifier: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin, channel: SignInChannel,
        issue: @escaping @Sendable (UUID, TenantTransaction) async throws -> Credential
    ) async throws -> CheckedSignIn<Credential> {
        let normalized = identifier.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let limits = SignInLimits(limiter: rateLimiter)
        let buckets = limits.buckets(scope: .tenant(tenant.id), kind: "", identifier: normalized, ip: origin.ip)
        try await limits.admit(buckets)
        guard !normalized.isEmpty, !password.isEmpty, password.count <= PasswordPolicy.maximumLength * 4 else {
            _ = try await hasher.verifyDummy(password)
            try await recordFailure(buckets, limits: limits, tenant: tenant)
            PorticoMetrics.signInFailed(actor: "customer")
            return .invalidCredentials
        }
        let candidates = try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.credentials(forIdentifier: normalized, in: tx)
        }
        var matched: CustomerCredentials?
        var rehash = false
        for candidate in candidates.prefix(5) {
            guard let hash = candidate.passwordHash else { continue }
            let result = try await hasher.verify(password, against: hash)
            if result.matches {
                matched = candidate
                rehash = result.needsRehash
                break
            }
        }
        if candidates.allSatisfy({ $0.passwordHash == nil }) {
            _ = try await hasher.verifyDummy(password)
        }
        guard let customer = matched else {
            try await recordFailure(buckets, limits: limits, tenant: tenant)
            try await audit(
                .init(
                    actorKind: "anonymous", actorLabel: String(normalized.prefix(254)), action: "signin.failure",
                    targetKind: "customer", ip: origin.ip, userAgent: origin.userAgent, details: channel.auditDetails), tenant: tenant)
            PorticoMetrics.signInFailed(actor: "customer")
            return .invalidCredentials
        }
        guard customer.status == .active || customer.status == .pending else {
            try await audit(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: "signin.refused",
                    targetKind: "customer", targetId: customer.id.uuidString, ip: origin.ip, userAgent: origin.userAgent,
                    details: channel.auditDetails.merging(["status": customer.status.rawValue]) { $1 }), tenant: tenant)
            return .notAllowed(customer.status)
        }
        let newHash = rehash ? try await hasher.hash(password) : nil
        let credential = try await pool.withTenant(tenant.id) { tx in
            if let newHash { try await repositories.customers.setPasswordHash(newHash, for: customer.id, in: tx) }
            try await repositories.customers.recordSignIn(customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "signin.success", targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin.ip, userAgent: origin.userAgent, details: channel.auditDetails), in: tx)
            return try await issue(customer.id, tx)
        }
        try await limits.recordSuccess(buckets)
        return .signedIn(credential, customerID: customer.id)
    }

    func recordFailure(_ buckets: SignInLimits.Buckets, limits: SignInLimits, tenant: ResolvedTenant) async throws {
        let accounts = try await pool.withTenant(tenant.id) { tx in try await SignInLimits.accountCount(in: tx) }
        try await limits.recordFailure(buckets, accounts: accounts)
    }

    /// Ends an API sign-in: every token of the family the access token belongs to.
    public func signOutOfAPI(family: UUID, customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.apiTokens.revokeFamily(family, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "signout", ip: origin.ip, userAgent: origin.userAgent,
                    details: SignInChannel.api.auditDetails), in: tx)
        }
    }

    public enum RefreshResult: Sendable {
        case rotated(IssuedTokens)
        case invalid
        case reused
    }

    /// Exchanges a refresh token for a new pair. Reuse of a spent one revokes its whole family
    /// and is audited (`api.refresh_reused`): the token leaked or was replayed.
    public func refreshAPITokens(_ refreshToken: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> RefreshResult {
        try await pool.withTenant(tenant.id) { tx in
            switch try await repositories.apiTokens.refresh(refreshToken, origin: origin, in: tx) {
            case .rotated(let tokens, _):
                return .rotated(tokens)
            case .invalid:
                return .invalid
            case .reused(let customerID):
                let email = try await repositories.customers.find(id: customerID, in: tx)?.email ?? ""
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customerID, actorLabel: email,
                        action: "api.refresh_reused", targetKind: "customer", targetId: customerID.uuidString,
                        ip: origin.ip, userAgent: origin.userAgent,
                        details: ["effect": "every token of this sign-in revoked"]), in: tx)
                return .reused
            }
        }
    }

    public func signOut(token: String, customer: SignedInCustomer?, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await sessions.revoke(token: token, in: tx)
            if let customer {
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                        action: "signout", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            }
        }
    }

    func audit(_ event: NewAuditEvent, tenant: ResolvedTenant) async throws {
        try await pool.withTenant(tenant.id) { tx in try await repositories.audit.record(event, in: tx) }
    }
}
