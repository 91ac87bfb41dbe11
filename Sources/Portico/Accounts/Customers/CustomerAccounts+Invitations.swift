import Foundation
import Logging
import PorticoCrypto
import Postgres

/// Invitations: staff invite a subscriber, an account owner invites a household member; accepting one.
extension CustomerAccounts {
    /// The email an invitation is for, if the invitation is still good.
    /// A suspended or locked login's invitation cannot be used: accepting it would activate the
    /// login behind staff's back.
    public func invitation(_ token: String, tenant: ResolvedTenant) async throws -> AccountTokens.Consumed? {
        try await pool.withTenant(tenant.id) { tx in
            guard let invitation = try await AccountTokens.peek(token, kind: .inviteCustomer, in: tx) else { return nil }
            try await requireInvitable(invitation.customerId, in: tx)
            return invitation
        }
    }

    /// Built per use, in the request's language (a `static let` keeps the first request's).
    static var suspendedLogin: AppError {
        AppError(.forbidden, code: "login_suspended", L10n.t("validation.inviteSuspended"))
    }

    func requireInvitable(_ customerID: UUID?, in tx: TenantTransaction) async throws {
        guard let customerID, let customer = try await repositories.customers.find(id: customerID, in: tx) else { return }
        if customer.status == .suspended || customer.status == .locked { throw Self.suspendedLogin }
    }

    /// Accepts an invitation: sets the password, activates the login, and marks the email
    /// verified (the link went to it). The person signs in afterwards.
    public func acceptInvitation(token: String, name: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        guard let invitation = try await invitation(token, tenant: tenant) else { throw Self.invalidLink }
        var problems: [String: String] = [:]
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmedName.isEmpty || trimmedName.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if let problem = passwordPolicy.problem(with: password, email: invitation.email) { problems["password"] = problem }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        let hash = try await hasher.hash(password)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .inviteCustomer, in: tx), let customerID = consumed.customerId else {
                throw Self.invalidLink
            }
            // Suspended since the form was shown: the transaction rolls back, the link stays unused.
            try await requireInvitable(customerID, in: tx)
            try await repositories.customers.setPasswordHash(hash, for: customerID, in: tx)
            try await repositories.customers.updateProfile(
                customerID, name: trimmedName,
                phone: try await repositories.customers.find(id: customerID, in: tx)?.phone ?? "", in: tx)
            try await repositories.customers.setStatus(.active, for: customerID, in: tx)
            _ = try await repositories.customers.markEmailVerified(customerID, email: consumed.email, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                    action: "invitation.accepted", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            try await WebhookEvents(repositories: repositories).customerRegistered(customerID, tenant: tenant, in: tx)
        }
    }

    /// Creates a login for someone in an organization and emails them an invitation (staff, from
    /// the console; they see every account anyway, so a taken address is named plainly).
    public func inviteMember(
        name: String, email rawEmail: String, organization: UUID, invitedBy: String, tenant: ResolvedTenant,
        origin: RequestOrigin, createdByStaff: UUID? = nil
    ) async throws -> Customer {
        let (trimmed, email) = try Self.validInvitee(name: name, email: rawEmail)
        let token = SecureRandom.token()
        return try await pool.withTenant(tenant.id) { tx in
            if try await repositories.customers.find(email: email, in: tx) != nil {
                throw AppError.validation(["member_email": L10n.t("validation.emailTaken")])
            }
            // The first person on an account (staff inviting into a new account) owns it.
            let role: CustomerRole =
                try await repositories.customers.members(of: organization, in: tx).contains { $0.role == .owner } ? .member : .owner
            let member = try await repositories.customers.create(
                NewCustomer(
                    organizationId: organization, role: role, name: trimmed, email: email, status: .pending), in: tx)
            // Staff invitations share the tenant's hourly allowance (see `InvitationQuota`).
            if createdByStaff != nil { try await InvitationQuota.take(1, tenant: tenant.id, in: tx) }
            try await enqueueInvitation(for: member, token: token, createdByStaff: createdByStaff, tenant: tenant, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: createdByStaff == nil ? "customer" : "staff", actorId: createdByStaff,
                    actorLabel: invitedBy, action: "customer.invited", targetKind: "customer", targetId: email,
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
            return member
        }
    }

    /// The invitee's name (trimmed) and address (normalized), or the form's problems with them.
    static func validInvitee(name: String, email rawEmail: String) throws -> (name: String, email: String) {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["member_name"] = L10n.t("validation.theirNameAtMost") }
        let email = EmailAddress.normalize(rawEmail)
        if email == nil { problems["member_email"] = L10n.t("validation.emailLike") }
        guard problems.isEmpty, let email else { throw AppError.validation(problems) }
        return (trimmed, email)
    }

    /// Emails a login without a password its invitation link (single use, hashed at rest),
    /// in the caller's transaction.
    public func enqueueInvitation(
        for member: Customer, token: String = SecureRandom.token(), createdByStaff: UUID?, tenant: ResolvedTenant,
        in tx: TenantTransaction
    ) async throws {
        try await AccountTokens.insert(
            token: token, kind: .inviteCustomer, email: member.email, customerID: member.id, organizationID: member.organizationId,
            createdBy: createdByStaff, lifetime: AccountTokens.Kind.inviteCustomer.lifetime, in: tx)
        try await outbox.enqueue(
            .inviteCustomer, to: member.email, name: member.name, tenant: tenant,
            values: ["actionUrl": tenant.url(PortalRoutes.invite(token))], linkToken: token, in: tx)
    }

    /// The organization's owner invites someone to share the account. The answer is the same
    /// whether or not the address already has an account here: if it does, that person gets
    /// an email saying someone tried (an unaccepted invitation to the same household is sent
    /// again instead), and the profile lists only people who accepted, so nothing shows the
    /// difference. At most 10 invitations per account per hour.
    public func inviteHouseholdMember(
        name: String, email rawEmail: String, by owner: SignedInCustomer, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws {
        // The role as stored now: an owner who handed the account over is no longer one.
        let role = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.find(id: owner.id, in: tx)?.role }
        guard role == .owner else { throw AppError(.forbidden, code: "owner_only", L10n.t("portal.profile.ownerOnly")) }
        let (trimmed, email) = try Self.validInvitee(name: name, email: rawEmail)
        guard email != owner.email else { throw AppError.validation(["member_email": L10n.t("validation.ownAddress")]) }
        let decision = try await rateLimiter.hit(
            .householdInvitations, bucket: RateLimiter.bucket(.householdInvitations, tenant.id.description, owner.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let existing = try await repositories.customers.find(email: email, in: tx) {
                if existing.organizationId == owner.organizationId && existing.status == .pending {
                    // Invited before and not joined yet: the new link replaces the old one.
                    try await AccountTokens.revoke(kind: .inviteCustomer, customerID: existing.id, in: tx)
                    try await enqueueInvitation(for: existing, token: token, createdByStaff: nil, tenant: tenant, in: tx)
                    try await repositories.audit.record(
                        .init(
                            actorKind: "customer", actorId: owner.id, actorLabel: owner.email, action: "customer.invited",
                            targetKind: "customer", targetId: email, ip: origin.ip, userAgent: origin.userAgent,
                            details: ["again": "yes"]), in: tx)
                } else if existing.organizationId == owner.organizationId {
                    // Already listed on the owner's own profile: no secret to keep.
                    throw AppError.validation(["member_email": "\(existing.name.isEmpty ? email : existing.name) is already on this account."])
                } else {
                    try await tellOwner(
                        existing, attempt: .invitation, by: owner, action: "customer.invite_to_taken_address", tenant: tenant,
                        origin: origin, in: tx)
                }
                return
            }
            let member = try await repositories.customers.create(
                NewCustomer(
                    organizationId: owner.organizationId, role: .member, name: trimmed, email: email, status: .pending), in: tx)
            try await enqueueInvitation(for: member, token: token, createdByStaff: nil, tenant: tenant, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: owner.id, actorLabel: owner.email, action: "customer.invited",
                    targetKind: "customer", targetId: email, ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }
}
