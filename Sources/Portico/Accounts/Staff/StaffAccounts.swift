import Foundation
import PorticoCrypto
import Postgres

/// Staff accounts of a tenant: sign-in with optional TOTP, invitations, roles, deactivation.
public struct StaffAccounts: AccountService, Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

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
        let limits = SignInLimits(limiter: limiter)
        let buckets = limits.buckets(scope: .tenant(tenant.id), kind: "staff", identifier: email, ip: origin.ip)
        try await limits.admit(buckets)
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.staff.credentials(email: email, in: tx) }
        var verified = false
        var rehash = false
        if let hash = credentials?.passwordHash, password.count <= 512 {
            let result = try await dependencies.hasher.verify(password, against: hash)
            verified = result.matches
            rehash = result.needsRehash
        } else {
            _ = try await dependencies.hasher.verifyDummy(password)
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
        let newHash = rehash ? try await dependencies.hasher.hash(password) : nil
        let needsCode = staff.totpEnabledAt != nil
        let token = try await pool.withTenant(tenant.id) { tx in
            if let oldToken { try await dependencies.sessions.revoke(token: oldToken, in: tx) }
            if let newHash { try await repositories.staff.setPassword(newHash, activate: false, for: staff.id, in: tx) }
            if !needsCode {
                try await repositories.staff.recordSignIn(staff.id, in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: staff.id, actorLabel: staff.email,
                        action: "staff.signin.success", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            }
            return try await dependencies.sessions.create(
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
        let decision = try await limiter.check(.totp, bucket: bucket)
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
            return try await dependencies.sessions.rotate(token: session.token, secondFactorPending: false, in: tx)
        }
        if fresh == nil {
            let counted = try await limiter.hit(.totp, bucket: bucket)
            if !counted.allowed { throw RateLimiter.tooMany(retryAfter: counted.retryAfter) }
        }
        return fresh
    }

    public func signOut(_ auth: AuthState, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await dependencies.sessions.revoke(token: auth.token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: auth.session.principalId, actorLabel: auth.session.principalEmail,
                    action: "staff.signout", ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    // MARK: Invitations

    public func invitation(_ token: String, tenant: ResolvedTenant) async throws -> AccountTokens.Consumed? {
        try await pool.withTenant(tenant.id) { tx in try await AccountTokens.peek(token, kind: .inviteStaff, in: tx) }
    }

    public func acceptInvitation(token: String, name: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        guard let invitation = try await invitation(token, tenant: tenant) else { throw CustomerAccounts.invalidLink }
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if let problem = dependencies.passwordPolicy.problem(with: password, email: invitation.email) { problems["password"] = problem }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        let hash = try await dependencies.hasher.hash(password)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .inviteStaff, in: tx), let staffID = consumed.staffId,
                let staff = try await repositories.staff.find(id: staffID, in: tx), staff.status != .deactivated
            else { throw CustomerAccounts.invalidLink }
            try await repositories.staff.setPassword(hash, activate: true, for: staffID, in: tx)
            try await repositories.staff.setName(trimmed, for: staffID, in: tx)
            _ = try await dependencies.sessions.revokeAll(kind: .staff, principal: staffID, except: nil, in: tx)
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
        try await dependencies.outbox.enqueue(
            .inviteStaff, to: staff.email, name: staff.name, tenant: tenant,
            values: ["actionUrl": tenant.url(ConsoleRoutes.invite(token)), "role": MailText(key: "email.role.\(staff.role.rawValue)")],
            linkToken: token, in: tx)
    }

    // MARK: Roles and status

    public func changeRole(staffID: UUID, to role: StaffRole, by admin: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            guard let staff = try await repositories.staff.find(id: staffID, in: tx) else { throw AppError.notFound("staff member") }
            guard staff.role != role else { return }
            if staff.role == .admin { try await requireAnotherAdmin(than: staff.id, in: tx) }
            try await repositories.staff.setRole(role, for: staff.id, in: tx)
            // A privilege change ends the person's sessions: the next sign-in gets a fresh one.
            _ = try await dependencies.sessions.revokeAll(kind: .staff, principal: staff.id, except: nil, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: admin.id, actorLabel: admin.email, action: "staff.role_changed",
                    targetKind: "staff", targetId: staff.email, ip: origin.ip, userAgent: origin.userAgent,
                    details: ["from": staff.role.rawValue, "to": role.rawValue]), in: tx)
        }
    }

    public func setActive(_ active: Bool, staffID: UUID, by admin: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            guard let staff = try await repositories.staff.find(id: staffID, in: tx) else { throw AppError.notFound("staff member") }
            if !active {
                guard staff.id != admin.id else {
                    throw AppError(.conflict, code: "cannot_deactivate_self", L10n.t("console.staff.cannotDeactivateSelf"))
                }
                if staff.role == .admin { try await requireAnotherAdmin(than: staff.id, in: tx) }
                try await repositories.staff.setStatus(.deactivated, for: staff.id, in: tx)
                _ = try await dependencies.sessions.revokeAll(kind: .staff, principal: staff.id, except: nil, in: tx)
            } else {
                guard staff.status == .deactivated else { return }
                let hasPassword = try await repositories.staff.credentials(id: staff.id, in: tx)?.passwordHash != nil
                try await repositories.staff.setStatus(hasPassword ? .active : .invited, for: staff.id, in: tx)
            }
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: admin.id, actorLabel: admin.email,
                    action: active ? "staff.reactivated" : "staff.deactivated",
                    targetKind: "staff", targetId: staff.email, ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    func requireAnotherAdmin(than staffID: UUID, in tx: TenantTransaction) async throws {
        let others =
            try await tx.scalar(
                """
                SELECT count(*)::int FROM staff_users WHERE role = 'admin' AND status = 'active' AND id <> \(staffID)
                """, as: Int.self) ?? 0
        if others == 0 {
            throw AppError(.conflict, code: "last_admin", L10n.t("console.staff.lastAdmin"))
        }
    }

    // MARK: Password

    /// Changes a staff member's own password (the current one is required) and ends their
    /// other sessions; returns how many ended.
    public func changePassword(
        staff: SignedInStaff, current: String, new: String, keeping token: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> Int {
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.staff.credentials(id: staff.id, in: tx) }
        guard current.count <= 512, let hash = credentials?.passwordHash, try await dependencies.hasher.verify(current, against: hash).matches else {
            throw AppError.validation(["current_password": L10n.t("validation.notCurrentPassword")])
        }
        if let problem = dependencies.passwordPolicy.problem(with: new, email: staff.email) {
            throw AppError.validation(["new_password": problem])
        }
        let newHash = try await dependencies.hasher.hash(new)
        return try await pool.withTenant(tenant.id) { tx in
            try await repositories.staff.setPassword(newHash, activate: false, for: staff.id, in: tx)
            let ended = try await dependencies.sessions.revokeAll(kind: .staff, principal: staff.id, except: token, in: tx)
            try await dependencies.outbox.enqueue(
                .passwordChanged, to: staff.email, name: staff.name, tenant: tenant,
                values: ["actionUrl": tenant.url(ConsoleRoutes.login.path)], in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "staff.password.changed",
                    ip: origin.ip, userAgent: origin.userAgent, details: ["signed_out_elsewhere": "\(ended)"]), in: tx)
            return ended
        }
    }

    // MARK: Two-factor

    public struct Enrolment: Sendable {
        public let secret: String
        public let url: String
        public let manualKey: String
    }

    /// Starts TOTP enrolment: a new secret stored but not yet enabled.
    public func startTOTP(staff: SignedInStaff, tenant: ResolvedTenant) async throws -> Enrolment {
        let secret = TOTPCodes.newSecret()
        try await pool.withTenant(tenant.id) { tx in
            guard let credentials = try await repositories.staff.credentials(id: staff.id, in: tx), credentials.totpEnabledAt == nil else {
                throw AppError(.conflict, code: "totp_enabled", L10n.t("console.errors.totpAlreadyOn"))
            }
            try await repositories.staff.setTOTP(secret: secret, enabled: false, for: staff.id, in: tx)
        }
        return Enrolment(
            secret: secret, url: TOTPCodes.authenticatorURL(secret: secret, account: staff.email, issuer: tenant.branding.companyName),
            manualKey: TOTPCodes.manualKey(secret: secret))
    }

    /// Confirms enrolment with a code from the device; returns the recovery codes (shown once).
    public func confirmTOTP(
        staff: SignedInStaff, code: String, keeping token: String, tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> [String] {
        let codes = TOTPCodes.newRecoveryCodes()
        try await pool.withTenant(tenant.id) { tx in
            guard let credentials = try await repositories.staff.credentials(id: staff.id, in: tx), let secret = credentials.totpSecret,
                credentials.totpEnabledAt == nil
            else { throw AppError(.conflict, code: "totp_not_started", L10n.t("console.errors.totpNotStarted")) }
            guard try await TOTPCodes.consume(code, secret: secret, table: .staff, id: staff.id, in: tx) else {
                throw AppError.validation(["code": L10n.t("console.errors.totpWrongCode")])
            }
            try await repositories.staff.setTOTP(secret: secret, enabled: true, for: staff.id, in: tx)
            try await tx.execute("DELETE FROM staff_recovery_codes WHERE staff_id = \(staff.id)")
            for recovery in codes {
                try await tx.execute(
                    """
                    INSERT INTO staff_recovery_codes (tenant_id, staff_id, code_hash) VALUES (\(tx.tenant), \(staff.id), \(TOTPCodes.hashRecoveryCode(recovery)))
                    """)
            }
            _ = try await dependencies.sessions.revokeAll(kind: .staff, principal: staff.id, except: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "staff.totp.enabled",
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
        return codes
    }

    public func disableTOTP(staff: SignedInStaff, code: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            guard let credentials = try await repositories.staff.credentials(id: staff.id, in: tx), let secret = credentials.totpSecret,
                credentials.totpEnabledAt != nil
            else { return }
            guard try await TOTPCodes.consume(code, secret: secret, table: .staff, id: staff.id, in: tx) else {
                throw AppError.validation(["code": L10n.t("console.errors.totpUsedCode")])
            }
            try await repositories.staff.setTOTP(secret: nil, enabled: false, for: staff.id, in: tx)
            try await tx.execute("DELETE FROM staff_recovery_codes WHERE staff_id = \(staff.id)")
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "staff.totp.disabled",
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }
}
