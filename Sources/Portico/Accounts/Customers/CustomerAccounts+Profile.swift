import Foundation
import Logging
import PorticoCrypto
import Postgres

/// The subscriber's own profile: name and phone, password, email address.
extension CustomerAccounts {
    public func updateProfile(
        customer: SignedInCustomer, name: String, phone: String, tenant: ResolvedTenant,
        origin: RequestOrigin? = nil
    ) async throws {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if phone.count > 40 { problems["phone"] = L10n.atMostCharacters(40) }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.updateProfile(customer.id, name: trimmed, phone: phone.trimmingCharacters(in: .whitespaces), in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "profile.updated", targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin?.ip ?? "", userAgent: origin?.userAgent ?? ""), in: tx)
        }
    }

    /// Changes the password (the current one is required) and ends every other session and
    /// app sign-in; returns how many ended.
    @discardableResult
    public func changePassword(
        customer: SignedInCustomer, current: String, new: String, keeping token: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> Int {
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.credentials(id: customer.id, in: tx) }
        guard let hash = credentials?.passwordHash, try await hasher.verify(current, against: hash).matches else {
            throw AppError.validation(["current_password": L10n.t("validation.notCurrentPassword")])
        }
        if let problem = passwordPolicy.problem(with: new, email: customer.email) {
            throw AppError.validation(["new_password": problem])
        }
        let newHash = try await hasher.hash(new)
        return try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.setPasswordHash(newHash, for: customer.id, in: tx)
            let endedSessions = try await sessions.revokeAll(kind: .customer, principal: customer.id, except: token, in: tx)
            // API sign-ins end too (the page keeps only the session that made the change).
            let apps = try await repositories.apiTokens.families(customer: customer.id, in: tx).count
            try await repositories.apiTokens.revokeAll(customer: customer.id, in: tx)
            try await outbox.enqueue(
                .passwordChanged, to: customer.email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url(PortalRoutes.forgotPassword.path)], in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "password.changed", ip: origin.ip, userAgent: origin.userAgent,
                    details: ["signed_out_elsewhere": "\(endedSessions + apps)"]), in: tx)
            return endedSessions + apps
        }
    }

    /// Starts an email change: the new address gets a confirmation link; the account keeps the
    /// old address until it is followed. The answer is the same when the address already has
    /// an account (whose owner is told instead), so the form reveals nothing about who is
    /// registered; at most 10 requests per account per hour (this also bounds guessing the
    /// password it asks for).
    public func requestEmailChange(
        customer: SignedInCustomer, newEmail rawEmail: String, password: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws {
        guard let newEmail = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["new_email": L10n.t("validation.emailLike")])
        }
        guard newEmail != customer.email else { throw AppError.validation(["new_email": L10n.t("validation.alreadyYourEmail")]) }
        let decision = try await rateLimiter.hit(
            .emailChange, bucket: RateLimiter.bucket(.emailChange, tenant.id.description, customer.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.credentials(id: customer.id, in: tx) }
        guard let hash = credentials?.passwordHash, try await hasher.verify(password, against: hash).matches else {
            throw AppError.validation(["email_password": L10n.t("validation.notCurrentPassword")])
        }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let owner = try await repositories.customers.find(email: newEmail, in: tx) {
                try await tellOwner(
                    owner, attempt: .emailChange, by: customer, action: "email.change_to_taken_address", tenant: tenant, origin: origin, in: tx)
                return
            }
            try await AccountTokens.revoke(kind: .changeEmail, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .changeEmail, email: newEmail, customerID: customer.id,
                lifetime: AccountTokens.Kind.changeEmail.lifetime, in: tx)
            try await outbox.enqueue(
                .changeEmail, to: newEmail, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.verify.path)?token=\(token)")], linkToken: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "email.change_requested", ip: origin.ip, userAgent: origin.userAgent,
                    details: ["new_email": newEmail]), in: tx)
        }
    }

    /// What someone tried to do with an address that already has an account (the
    /// `address_in_use` email words each one).
    enum AddressAttempt: String { case emailChange, invitation }

    /// The neutral answer's other half: the owner of an address someone tried to use hears
    /// about it (security mail), and the attempt is audited with who made it.
    func tellOwner(
        _ owner: Customer, attempt: AddressAttempt, by customer: SignedInCustomer, action: String, tenant: ResolvedTenant,
        origin: RequestOrigin, in tx: TenantTransaction
    ) async throws {
        try await outbox.enqueue(
            .addressInUse, to: owner.email, name: owner.name, tenant: tenant,
            values: [attempt.rawValue: true, "actionUrl": tenant.url(PortalRoutes.login.path), "actionLabel": "Sign in"], in: tx)
        try await repositories.audit.record(
            .init(
                actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: action,
                targetKind: "customer", targetId: owner.id.uuidString, ip: origin.ip, userAgent: origin.userAgent,
                details: ["email": owner.email]), in: tx)
    }

}

extension CustomerAccounts {
    /// Everything the profile page shows, read in one transaction.
    public struct ProfilePage: Sendable {
        public let customer: Customer
        public let organization: Organization
        public let members: [Customer]
        public let preferences: NotificationPreferences
        public let devices: [SignedInDevice]
        /// When the subscriber asked for their account to be deleted, if that is still pending.
        public let deletionRequestedAt: Date?
    }

    public func profilePage(customer: SignedInCustomer, device: SignedInDevices.Owner, tenant: ResolvedTenant) async throws -> ProfilePage {
        let repositories = self.repositories
        let devices = self.devices
        let page = try await pool.withTenant(tenant.id) { tx -> ProfilePage? in
            guard let stored = try await repositories.customers.find(id: customer.id, in: tx),
                let organization = try await repositories.organizations.find(id: customer.organizationId, in: tx)
            else { return nil }
            return ProfilePage(
                customer: stored, organization: organization,
                members: try await repositories.customers.members(of: customer.organizationId, in: tx),
                preferences: try await repositories.customers.notificationPreferences(of: customer.id, in: tx),
                devices: try await devices.list(for: device, in: tx),
                deletionRequestedAt: try await DeletionRequests.pending(for: customer.id, in: tx))
        }
        guard let page else { throw AppError.notFound() }
        return page
    }
}
