import Foundation
import Postgres

/// The session and security options, and the origins allowed to call the API from a browser.
extension PostgresTenantSettingsRepository {
    // MARK: Security

    public func security(in transaction: TenantTransaction) async throws -> SecuritySettings {
        try await transaction.first(
            """
            SELECT staff_idle_minutes, customer_idle_hours, remember_me_days, require_staff_totp FROM tenant_settings
            """)?.decode(SecuritySettings.self) ?? .defaults
    }

    public func saveSecurity(_ settings: SecuritySettings, in transaction: TenantTransaction) async throws {
        do {
            try await transaction.execute(
                """
                INSERT INTO tenant_settings (tenant_id, staff_idle_minutes, customer_idle_hours, remember_me_days, require_staff_totp)
                VALUES (\(transaction.tenant), \(settings.staffIdleMinutes), \(settings.customerIdleHours), \(settings.rememberMeDays),
                        \(settings.requireStaffTotp))
                ON CONFLICT (tenant_id) DO UPDATE SET staff_idle_minutes = EXCLUDED.staff_idle_minutes,
                       customer_idle_hours = EXCLUDED.customer_idle_hours, remember_me_days = EXCLUDED.remember_me_days,
                       require_staff_totp = EXCLUDED.require_staff_totp, updated_at = now()
                """)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw AppError.validation([:], message: L10n.t("console.settings.security.outOfRange"))
        }
        // Sessions already open follow the new timeouts from their next request on.
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.staff, remember: false)) WHERE principal_kind = 'staff'
            """)
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.customer, remember: false))
             WHERE principal_kind = 'customer' AND NOT remember
            """)
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.customer, remember: true)),
                   expires_at = LEAST(expires_at, created_at + make_interval(days => \(settings.rememberMeDays)))
             WHERE principal_kind = 'customer' AND remember
            """)
    }

    // MARK: API access

    public func apiCORSOrigins(in transaction: TenantTransaction) async throws -> CORSOrigins {
        let origins = try await transaction.scalar("SELECT api_cors_origins FROM tenant_settings", as: [String].self)
        return CORSOrigins(origins ?? [])
    }

    public func saveAPICORSOrigins(_ origins: CORSOrigins, in transaction: TenantTransaction) async throws {
        do {
            try await transaction.execute(
                """
                INSERT INTO tenant_settings (tenant_id, api_cors_origins) VALUES (\(transaction.tenant), \(origins.origins)::text[])
                ON CONFLICT (tenant_id) DO UPDATE SET api_cors_origins = EXCLUDED.api_cors_origins, updated_at = now()
                """)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw AppError.validation(["origins": "List at most \(CORSOrigins.maximum) origins."])
        }
    }
}
