import Foundation
import Postgres

extension PostgresTenantSettingsRepository {
    // MARK: Time zone and languages

    public func saveTimeZone(_ name: String, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE tenants SET time_zone = \(name) WHERE id = \(transaction.tenant)")
    }

    public func saveLanguages(default code: String, offered codes: [String], in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            "UPDATE tenants SET default_language = \(code), offered_languages = \(codes) WHERE id = \(transaction.tenant)")
    }

    // MARK: Notifications

    public func disabledNotifications(in transaction: TenantTransaction) async throws -> [String] {
        try await transaction.scalar("SELECT disabled_notifications FROM tenant_settings", as: [String].self) ?? []
    }

    public func saveDisabledNotifications(_ kinds: [String], in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            INSERT INTO tenant_settings (tenant_id, disabled_notifications) VALUES (\(transaction.tenant), \(kinds)::text[])
            ON CONFLICT (tenant_id) DO UPDATE SET disabled_notifications = EXCLUDED.disabled_notifications, updated_at = now()
            """)
    }
}
