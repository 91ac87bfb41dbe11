import Foundation
import PorticoCrypto
import Postgres

/// A staff member's own password and two-factor (TOTP) sign-in.
extension StaffAccounts {
    // MARK: Password

    /// Changes a staff member's own password (the current one is required) and ends their
    /// other sessions; returns how many ended.
    public func changePassword(
        staff: SignedInStaff, current: String, new: String, keeping token: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> Int {
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.staff.credentials(id: staff.id, in: tx) }
        guard current.count <= 512, let hash = credentials?.passwordHash, try await hasher.verify(current, against: hash).matches else {
            throw AppError.validation(["current_password": L10n.t("validation.notCurrentPassword")])
        }
        if let problem = passwordPolicy.problem(with: new, email: staff.email) {
            throw AppError.validation(["new_password": problem])
        }
        let newHash = try await hasher.hash(new)
        return try await pool.withTenant(tenant.id) { tx in
            try await repositories.staff.setPassword(newHash, activate: false, for: staff.id, in: tx)
            let ended = try await sessions.revokeAll(kind: .staff, principal: staff.id, except: token, in: tx)
            try await outbox.enqueue(
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
            _ = try await sessions.revokeAll(kind: .staff, principal: staff.id, except: token, in: tx)
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
