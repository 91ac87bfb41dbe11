import Foundation
import PorticoCrypto
import Postgres

/// Staff accounts of a tenant: sign-in with optional TOTP, invitations, roles, deactivation.
public struct StaffAccounts: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore
    let rateLimiter: RateLimiter
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let outbox: Outbox

    public enum SignInOutcome: Sendable {
        case signedIn(token: String)
        /// Password right; the TOTP code is still owed (the session can only finish that step).
        case needsSecondFactor(token: String)
        case invalidCredentials
        case deactivated
    }

    public func signIn(
        email rawEmail: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin, replacing oldToken: String?
    ) async throws -> SignInOutcome {
        let email = EmailAddress.normalize(rawEmail) ?? rawEmail.lowercased()
        let limits = SignInLimits(limiter: rateLimiter)
        let buckets = limits.buckets(scope: .tenant(tenant.id), kind: "staff", identifier: email, ip: origin.ip)
        try await limits.admit(buckets)
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.staff.credentials(email: email, in: tx) }
        var verified = false
        var rehash = false
        if let hash = credentials?.passwordHash, password.count <= 512 {
            let result = try await hasher.verify(password, against: hash)
            verified = result.matches
            rehash = result.needsRehash
        } else {
            _ = try await hasher.verifyDummy(password)
        }
        guard verified, let staff = credentials else {
            let accounts = try await pool.withTenant(tenant.id) { tx in
                try await repositories.audit.record(
                    .init(
                        actorKind: "anonymous", actorLabel: email, action: "staff.signin.failure",
                        ip: origin.ip, userAgent: origin.userAgent), in: tx)
                return try await SignInLimits.accountCount(in: tx)
            }
            try await limits.recordFailure(buckets, accounts: accounts)
            PorticoMetrics.signInFailed(actor: "staff")
            return .invalidCredentials
        }
        guard staff.status == .active else { return .deactivated }
        let newHash = rehash ? try await hasher.hash(password) : nil
        let needsCode = staff.totpEnabledAt != nil
        let token = try await pool.withTenant(tenant.id) { tx in
            if let oldToken { try await sessions.revoke(token: oldToken, in: tx) }
            if let newHash { try await repositories.staff.setPassword(newHash, activate: false, for: staff.id, in: tx) }
            if !needsCode {
                try await repositories.staff.recordSignIn(staff.id, in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: staff.id, actorLabel: staff.email,
                        action: "staff.signin.success", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            }
            return try await sessions.create(
                kind: .staff, principal: staff.id, remember: false, secondFactorPending: needsCode,
                ip: origin.ip, userAgent: origin.userAgent, in: tx)
        }
        try await limits.recordSuccess(buckets)
        return needsCode ? .needsSecondFactor(token: token) : .signedIn(token: token)
    }

    /// Finishes a sign-in with a TOTP or recovery code; returns a fresh session token.
    public func completeSecondFactor(session: AuthState, code: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> String? {
        guard session.session.principalKind == .staff, session.session.secondFactorPending else { return nil }
        // Only wrong codes count: a person who types right codes is never slowed down.
        let bucket = RateLimiter.bucket(.totp, tenant.id.description, session.session.principalId.uuidString)
        let decision = try await rateLimiter.check(.totp, bucket: bucket)
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let staffID = session.session.principalId
        let fresh = try await pool.withTenant(tenant.id) { tx -> String? in
            guard let credentials = try await repositories.staff.credentials(id: staffID, in: tx), let secret = credentials.totpSecret else {
                return nil
            }
            var accepted = try await TOTPCodes.consume(code, secret: secret, table: .staff, id: staffID, in: tx)
            var usedRecovery = false
            if !accepted {
                accepted =
                    try await tx.execute(
                        """
                        UPDATE staff_recovery_codes SET used_at = now()
                         WHERE staff_id = \(staffID) AND code_hash = \(TOTPCodes.hashRecoveryCode(code)) AND used_at IS NULL
                        """) == 1
                usedRecovery = accepted
            }
            guard accepted else {
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: staffID, actorLabel: credentials.email,
                        action: "staff.signin.code_failure", ip: origin.ip, userAgent: origin.userAgent), in: tx)
                return nil
            }
            try await repositories.staff.recordSignIn(staffID, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staffID, actorLabel: credentials.email,
                    action: "staff.signin.success", ip: origin.ip, userAgent: origin.userAgent,
                    details: usedRecovery ? ["second_factor": "recovery_code"] : ["second_factor": "totp"]), in: tx)
            return try await sessions.rotate(token: session.token, secondFactorPending: false, in: tx)
        }
        if fresh == nil {
            let counted = try await rateLimiter.hit(.totp, bucket: bucket)
            if !counted.allowed { throw RateLimiter.tooMany(retryAfter: counted.retryAfter) }
        }
        return fresh
    }

    public func signOut(_ auth: AuthState, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await sessions.revoke(token: auth.token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: auth.session.principalId, actorLabel: auth.session.principalEmail,
                    action: "staff.signout", ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }
}
