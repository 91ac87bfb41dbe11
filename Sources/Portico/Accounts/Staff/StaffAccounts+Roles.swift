import Foundation
import PorticoCrypto
import Postgres

/// An admin changes a staff member's role or deactivates / reactivates them; a tenant always
/// keeps one active admin.
extension StaffAccounts {
    public func changeRole(staffID: UUID, to role: StaffRole, by admin: SignedInStaff, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            guard let staff = try await repositories.staff.find(id: staffID, in: tx) else { throw AppError.notFound("staff member") }
            guard staff.role != role else { return }
            if staff.role == .admin { try await requireAnotherAdmin(than: staff.id, in: tx) }
            try await repositories.staff.setRole(role, for: staff.id, in: tx)
            // A privilege change ends the person's sessions: the next sign-in gets a fresh one.
            _ = try await sessions.revokeAll(kind: .staff, principal: staff.id, except: nil, in: tx)
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
                _ = try await sessions.revokeAll(kind: .staff, principal: staff.id, except: nil, in: tx)
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
}
