import Foundation
import PorticoCrypto
import Postgres

/// Staff who forgot their password get back in on their own: the same single-use, hashed,
/// one-hour reset tokens, neutral answers and rate limits as subscribers, on `/admin`. A
/// reset ends every session and leaves two-factor sign-in as it was: an enrolled authenticator
/// (or the tenant's "two-factor required") still asks for its code at the next sign-in.
extension StaffAccounts {
    /// How long a set-password link issued by an operator stays good: long enough to reach a
    /// locked-out admin by phone or another channel, short enough not to linger.
    public static let operatorLinkLifetime: Duration = .seconds(24 * 3600)

    /// Emails a reset link when the address belongs to a staff member who may sign in (active,
    /// or invited and not yet set up); otherwise does nothing. The caller answers the same way
    /// either way, and an address over its hourly limit silently gets nothing more.
    public func requestPasswordReset(email rawEmail: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let ipDecision = try await rateLimiter.hit(.forgotIP, bucket: RateLimiter.bucket(.forgotIP, origin.ip))
        if !ipDecision.allowed { throw RateLimiter.tooMany(retryAfter: ipDecision.retryAfter) }
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["email": "Enter the email address of your staff account, like name@example.com."])
        }
        let accountDecision = try await rateLimiter.hit(
            .forgotAccount, bucket: RateLimiter.bucket(.forgotAccount, tenant.id.description, "staff", email))
        guard accountDecision.allowed else { return }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            guard let staff = try await repositories.staff.find(email: email, in: tx), staff.status != .deactivated else { return }
            try await AccountTokens.revoke(kind: .resetPassword, staffID: staff.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .resetPassword, email: staff.email, staffID: staff.id,
                lifetime: AccountTokens.Kind.resetPassword.lifetime, in: tx)
            try await outbox.enqueue(
                .resetPassword, to: staff.email, name: staff.name, tenant: tenant,
                values: ["actionUrl": tenant.url(Self.resetPath(token))], linkToken: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "anonymous", actorLabel: email, action: "staff.password.reset_requested",
                    targetKind: "staff", targetId: staff.email, ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    static func resetPath(_ token: String) -> String { "\(ConsoleRoutes.resetPassword.path)?token=\(token)" }

    /// The staff member a reset link is for, while it is unused, unexpired, of this tenant and
    /// the account may still sign in.
    func resetHolder(_ token: String, in tx: TenantTransaction) async throws -> StaffUser? {
        guard let peeked = try await AccountTokens.peek(token, kind: .resetPassword, holder: .staff, in: tx), let staffID = peeked.staffId,
            let staff = try await repositories.staff.find(id: staffID, in: tx), staff.status != .deactivated
        else { return nil }
        return staff
    }

    /// Whether a staff reset link is still good (to show the form).
    public func resetTokenIsValid(_ token: String, tenant: ResolvedTenant) async throws -> Bool {
        try await pool.withTenant(tenant.id) { tx in try await resetHolder(token, in: tx) != nil }
    }

    /// Sets a new password through a reset link, activates an invited account, and ends every
    /// session of the person. No automatic sign-in: the next one still asks for the second factor.
    public func resetPassword(token: String, newPassword: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let email = try await pool.withTenant(tenant.id) { tx in try await resetHolder(token, in: tx)?.email }
        guard let email else { throw CustomerAccounts.invalidLink }
        if let problem = passwordPolicy.problem(with: newPassword, email: email) {
            throw AppError.validation(["password": problem])
        }
        let hash = try await hasher.hash(newPassword)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .resetPassword, holder: .staff, in: tx), let staffID = consumed.staffId,
                let staff = try await repositories.staff.find(id: staffID, in: tx), staff.status != .deactivated
            else { throw CustomerAccounts.invalidLink }
            try await repositories.staff.setPassword(hash, activate: true, for: staffID, in: tx)
            let ended = try await sessions.revokeAll(kind: .staff, principal: staffID, except: nil, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staffID, actorLabel: staff.email, action: "staff.password.reset",
                    targetKind: "staff", targetId: staff.email, ip: origin.ip, userAgent: origin.userAgent,
                    details: ["sessions_ended": String(ended)]), in: tx)
        }
    }
}

/// A platform operator (console or CLI) gives a tenant's admin a one-time set-password link:
/// the way back in when the admin's mailbox is lost too. Audited in the tenant's audit log
/// under the operator's name.
public enum StaffResetLinks {
    public struct Issued: Sendable {
        public let link: String
        public let slug: String
        public let email: String
        public let expiresIn: Duration
    }

    /// Issues a link for the admin with `email` in the tenant `slug`, built on the tenant's
    /// primary domain. Earlier open reset links of that admin stop working.
    public static func issue(
        slug: String, email rawEmail: String, operatorLabel: String, operatorID: UUID?, ip: String,
        pool: ConnectionPool, directory: TenantDirectory
    ) async throws -> Issued {
        let store = PostgresTenantStore(pool: pool)
        guard let tenant = try await store.tenant(slug: slug.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw AppError(.notFound, code: "tenant_not_found", "No tenant has the slug '\(slug)'. `portico tenant list` shows them.")
        }
        guard let email = EmailAddress.normalize(rawEmail) else {
            let problem = L10n.t("operator.tenant.error.email", ["email": rawEmail])
            throw AppError.validation(["email": problem], message: problem)
        }
        // The primary domain in the database, never a request's Host header.
        let resolved = try await directory.resolved(tenant)
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            let repository = PostgresStaffRepository()
            guard let staff = try await repository.find(email: email, in: tx), staff.role == .admin else {
                let problem = L10n.t("operator.tenant.error.notAdmin", ["slug": tenant.slug, "email": email])
                throw AppError.validation(["email": problem], message: problem)
            }
            guard staff.status != .deactivated else {
                let problem = L10n.t("operator.tenant.error.deactivated", ["slug": tenant.slug, "email": email])
                throw AppError.validation(["email": problem], message: problem)
            }
            try await AccountTokens.revoke(kind: .resetPassword, staffID: staff.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .resetPassword, email: staff.email, staffID: staff.id,
                lifetime: StaffAccounts.operatorLinkLifetime, in: tx)
            try await PostgresAuditRepository().record(
                .init(
                    actorKind: "operator", actorId: operatorID, actorLabel: operatorLabel, action: "staff.password.reset_link_issued",
                    targetKind: "staff", targetId: staff.email, ip: ip, details: ["by": "operator"]), in: tx)
        }
        return Issued(
            link: resolved.url(StaffAccounts.resetPath(token)), slug: tenant.slug, email: email, expiresIn: StaffAccounts.operatorLinkLifetime)
    }
}
