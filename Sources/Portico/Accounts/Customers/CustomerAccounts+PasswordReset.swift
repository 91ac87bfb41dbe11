import Foundation
import Logging
import PorticoCrypto
import Postgres

/// Password reset by emailed one-time link.
extension CustomerAccounts {
    /// Sends a reset link if the email belongs to an active account; otherwise does nothing.
    /// The caller shows the same page either way.
    public func requestPasswordReset(email rawEmail: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let ipDecision = try await rateLimiter.hit(.forgotIP, bucket: RateLimiter.bucket(.forgotIP, origin.ip))
        if !ipDecision.allowed { throw RateLimiter.tooMany(retryAfter: ipDecision.retryAfter) }
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["email": L10n.t("validation.accountEmailLike")])
        }
        let accountDecision = try await rateLimiter.hit(.forgotAccount, bucket: RateLimiter.bucket(.forgotAccount, tenant.id.description, email))
        // Over the per-account limit: silently send nothing (answering differently would tell).
        guard accountDecision.allowed else { return }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            guard let customer = try await repositories.customers.find(email: email, in: tx),
                customer.status == .active || customer.status == .pending
            else { return }
            try await AccountTokens.revoke(kind: .resetPassword, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .resetPassword, email: email, customerID: customer.id,
                lifetime: AccountTokens.Kind.resetPassword.lifetime, in: tx)
            try await outbox.enqueue(
                .resetPassword, to: email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.resetPassword.path)?token=\(token)")], linkToken: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "anonymous", actorLabel: email, action: "password.reset_requested",
                    targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    /// Whether a reset link is still good (to show the form).
    public func resetTokenIsValid(_ token: String, tenant: ResolvedTenant) async throws -> Bool {
        try await pool.withTenant(tenant.id) { tx in try await AccountTokens.peek(token, kind: .resetPassword, holder: .customer, in: tx) != nil }
    }

    /// Sets a new password through a reset link; ends every session of the account. The person
    /// signs in afterwards (no automatic sign-in).
    public func resetPassword(token: String, newPassword: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let email = try await pool.withTenant(tenant.id) { tx in
            try await AccountTokens.peek(token, kind: .resetPassword, holder: .customer, in: tx)?.email
        }
        guard let email else { throw Self.invalidLink }
        if let problem = passwordPolicy.problem(with: newPassword, email: email) {
            throw AppError.validation(["password": problem])
        }
        let hash = try await hasher.hash(newPassword)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .resetPassword, holder: .customer, in: tx),
                let customerID = consumed.customerId
            else {
                throw Self.invalidLink
            }
            try await repositories.customers.setPasswordHash(hash, for: customerID, in: tx)
            _ = try await sessions.revokeAll(kind: .customer, principal: customerID, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: customerID, in: tx)
            // Following the emailed link proves the address.
            _ = try await repositories.customers.markEmailVerified(customerID, email: consumed.email, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                    action: "password.reset", ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    /// Built per use: a `static let` would keep the language of whichever request used it first.
    static var invalidLink: AppError {
        AppError(.notFound, code: "invalid_link", L10n.t("validation.linkNotValid"))
    }

}
