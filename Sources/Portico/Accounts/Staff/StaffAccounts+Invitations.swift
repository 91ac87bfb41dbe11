import Foundation
import PorticoCrypto
import Postgres

/// Staff invitations: an admin invites by email, the invitee sets a name and password.
extension StaffAccounts {
    public func invitation(_ token: String, tenant: ResolvedTenant) async throws -> AccountTokens.Consumed? {
        try await pool.withTenant(tenant.id) { tx in try await AccountTokens.peek(token, kind: .inviteStaff, in: tx) }
    }

    public func acceptInvitation(token: String, name: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        guard let invitation = try await invitation(token, tenant: tenant) else { throw CustomerAccounts.invalidLink }
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if let problem = passwordPolicy.problem(with: password, email: invitation.email) { problems["password"] = problem }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        let hash = try await hasher.hash(password)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .inviteStaff, in: tx), let staffID = consumed.staffId,
                let staff = try await repositories.staff.find(id: staffID, in: tx), staff.status != .deactivated
            else { throw CustomerAccounts.invalidLink }
            try await repositories.staff.setPassword(hash, activate: true, for: staffID, in: tx)
            try await repositories.staff.setName(trimmed, for: staffID, in: tx)
            _ = try await sessions.revokeAll(kind: .staff, principal: staffID, except: nil, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staffID, actorLabel: consumed.email,
                    action: "staff.invitation.accepted", ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    /// Invites a new staff member (or sends an existing one a new set-password link).
    public func invite(
        email rawEmail: String, name: String, role: StaffRole, by admin: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> StaffUser {
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["email": L10n.t("validation.emailLike")])
        }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 200 else { throw AppError.validation(["name": L10n.atMostCharacters(200)]) }
        let token = SecureRandom.token()
        return try await pool.withTenant(tenant.id) { tx in
            let staff = try await repositories.staff.create(email: email, name: trimmed, role: role, status: .invited, passwordHash: nil, in: tx)
            try await sendInvitation(to: staff, token: token, tenant: tenant, by: admin, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: admin.id, actorLabel: admin.email, action: "staff.invited",
                    targetKind: "staff", targetId: email, ip: origin.ip, userAgent: origin.userAgent,
                    details: ["role": role.rawValue]), in: tx)
            return staff
        }
    }

    /// A new one-time set-password link for an existing staff member (lost password, expired invitation).
    public func resendInvitation(staffID: UUID, by admin: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            guard let staff = try await repositories.staff.find(id: staffID, in: tx), staff.status != .deactivated else {
                throw AppError.notFound("staff member")
            }
            try await AccountTokens.revoke(kind: .inviteStaff, staffID: staff.id, in: tx)
            try await sendInvitation(to: staff, token: token, tenant: tenant, by: admin, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: admin.id, actorLabel: admin.email, action: "staff.invitation.resent",
                    targetKind: "staff", targetId: staff.email, ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    func sendInvitation(to staff: StaffUser, token: String, tenant: ResolvedTenant, by admin: SignedInStaff?, in tx: TenantTransaction) async throws {
        try await AccountTokens.insert(
            token: token, kind: .inviteStaff, email: staff.email, staffID: staff.id, createdBy: admin?.id,
            lifetime: AccountTokens.Kind.inviteStaff.lifetime, in: tx)
        try await outbox.enqueue(
            .inviteStaff, to: staff.email, name: staff.name, tenant: tenant,
            values: ["actionUrl": tenant.url(ConsoleRoutes.invite(token)), "role": MailText(key: "email.role.\(staff.role.rawValue)")],
            linkToken: token, in: tx)
    }
}
