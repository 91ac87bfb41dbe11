import Foundation
import Postgres

public protocol StaffRepository: Sendable {
    func create(
        email: String, name: String, role: StaffRole, status: StaffStatus, passwordHash: String?, in transaction: TenantTransaction
    ) async throws -> StaffUser
    func find(id: UUID, in transaction: TenantTransaction) async throws -> StaffUser?
    /// The staff member with this id; none for nil (an order nobody is assigned to).
    func findQuery(id: UUID?) -> Query<StaffUser?>
    /// The staff members with these ids, in one query (lists name each row's technician).
    func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: StaffUser]
    func find(email: String, in transaction: TenantTransaction) async throws -> StaffUser?
    func all(in transaction: TenantTransaction) async throws -> [StaffUser]
    /// The whole team, active members first, by name.
    var allQuery: Query<[StaffUser]> { get }
    func credentials(email: String, in transaction: TenantTransaction) async throws -> StaffCredentials?
    func credentials(id: UUID, in transaction: TenantTransaction) async throws -> StaffCredentials?
    func setPassword(_ hash: String, activate: Bool, for staff: UUID, in transaction: TenantTransaction) async throws
    func setRole(_ role: StaffRole, for staff: UUID, in transaction: TenantTransaction) async throws
    func setStatus(_ status: StaffStatus, for staff: UUID, in transaction: TenantTransaction) async throws
    func setName(_ name: String, for staff: UUID, in transaction: TenantTransaction) async throws
    func setTOTP(secret: String?, enabled: Bool, for staff: UUID, in transaction: TenantTransaction) async throws
    func recordSignIn(_ staff: UUID, in transaction: TenantTransaction) async throws
    /// The language the staff member chose for the console (a catalog code).
    func setLanguage(_ code: String, for staff: UUID, in transaction: TenantTransaction) async throws
    /// The zone the console shows times in; nil follows the tenant's.
    func setTimeZone(_ name: String?, for staff: UUID, in transaction: TenantTransaction) async throws
    /// Active staff who have not set up a second factor (what requiring one would lock out).
    func countActiveWithoutTOTP(in transaction: TenantTransaction) async throws -> Int
}

public struct PostgresStaffRepository: StaffRepository {
    public init() {}

    public func create(
        email: String, name: String, role: StaffRole, status: StaffStatus, passwordHash: String?, in transaction: TenantTransaction
    ) async throws -> StaffUser {
        do {
            return try await transaction.first(
                """
                INSERT INTO staff_users (tenant_id, email, name, role, status, password_hash)
                VALUES (\(transaction.tenant), \(email.lowercased()), \(name), \(role), \(status), \(passwordHash))
                RETURNING *
                """)!.decode(StaffUser.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "email_taken", L10n.t("console.staff.emailTaken"), fields: ["email": L10n.t("console.staff.alreadyStaff")]
            )
        }
    }

    public func find(id: UUID, in transaction: TenantTransaction) async throws -> StaffUser? {
        try await transaction.run(findQuery(id: id))
    }

    public func findQuery(id: UUID?) -> Query<StaffUser?> {
        .first("SELECT * FROM staff_users WHERE id = \(id)", as: StaffUser.self)
    }

    public func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: StaffUser] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await transaction.rows("SELECT * FROM staff_users WHERE id = ANY(\(Array(Set(ids)))::uuid[])")
        return Dictionary(try rows.map { try $0.decode(StaffUser.self) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func find(email: String, in transaction: TenantTransaction) async throws -> StaffUser? {
        try await transaction.first("SELECT * FROM staff_users WHERE email = \(email.lowercased())")?.decode(StaffUser.self)
    }

    public func all(in transaction: TenantTransaction) async throws -> [StaffUser] {
        try await transaction.run(allQuery)
    }

    public var allQuery: Query<[StaffUser]> {
        .rows("SELECT * FROM staff_users ORDER BY status = 'deactivated', lower(name), email", as: StaffUser.self)
    }

    public func credentials(email: String, in transaction: TenantTransaction) async throws -> StaffCredentials? {
        try await transaction.first(
            """
            SELECT id, email, password_hash, status, role, totp_secret, totp_enabled_at FROM staff_users WHERE email = \(email.lowercased())
            """)?.decode(StaffCredentials.self)
    }

    public func credentials(id: UUID, in transaction: TenantTransaction) async throws -> StaffCredentials? {
        try await transaction.first(
            """
            SELECT id, email, password_hash, status, role, totp_secret, totp_enabled_at FROM staff_users WHERE id = \(id)
            """)?.decode(StaffCredentials.self)
    }

    public func setPassword(_ hash: String, activate: Bool, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            UPDATE staff_users SET password_hash = \(hash),
                   status = CASE WHEN \(activate) AND status = 'invited' THEN 'active' ELSE status END
             WHERE id = \(staff)
            """)
    }

    public func setRole(_ role: StaffRole, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET role = \(role) WHERE id = \(staff)")
    }

    public func setStatus(_ status: StaffStatus, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET status = \(status) WHERE id = \(staff)")
    }

    public func setName(_ name: String, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET name = \(name) WHERE id = \(staff)")
    }

    public func setTOTP(secret: String?, enabled: Bool, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            UPDATE staff_users SET totp_secret = \(secret), totp_enabled_at = CASE WHEN \(enabled) THEN now() END,
                   totp_last_step = CASE WHEN \(enabled) THEN totp_last_step END
             WHERE id = \(staff)
            """)
    }

    public func recordSignIn(_ staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET last_sign_in_at = now() WHERE id = \(staff)")
    }

    public func setLanguage(_ code: String, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET language = \(code) WHERE id = \(staff)")
    }

    public func setTimeZone(_ name: String?, for staff: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE staff_users SET time_zone = \(name) WHERE id = \(staff)")
    }

    public func countActiveWithoutTOTP(in transaction: TenantTransaction) async throws -> Int {
        try await transaction.scalar("SELECT count(*)::int FROM staff_users WHERE status = 'active' AND totp_enabled_at IS NULL", as: Int.self) ?? 0
    }
}
