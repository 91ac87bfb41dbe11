import Foundation
import Postgres

/// Service notices (outage, maintenance, information) shown on `/status` and the dashboard.
extension PostgresTenantSettingsRepository {
    static let noticeColumns: SQL = "id, kind, title, body, starts_at, ends_at, resolved_at, created_at, translations"

    public func notices(in transaction: TenantTransaction) async throws -> [ServiceNotice] {
        try await transaction.rows("SELECT \(Self.noticeColumns) FROM service_notices ORDER BY (resolved_at IS NULL) DESC, starts_at DESC LIMIT 200")
            .map { try $0.decode(ServiceNotice.self) }
    }

    public func notice(id: UUID, in transaction: TenantTransaction) async throws -> ServiceNotice? {
        try await transaction.first("SELECT \(Self.noticeColumns) FROM service_notices WHERE id = \(id)")?.decode(ServiceNotice.self)
    }

    public func createNotice(_ input: NoticeInput, in transaction: TenantTransaction) async throws -> ServiceNotice {
        guard
            let notice = try await transaction.first(
                """
                INSERT INTO service_notices (tenant_id, kind, title, body, starts_at, ends_at, translations)
                VALUES (\(transaction.tenant), \(input.kind), \(input.title), \(input.body), \(input.startsAt), \(input.endsAt),
                        \(JSONParameter(input.translations))::jsonb)
                RETURNING \(Self.noticeColumns)
                """)?.decode(ServiceNotice.self)
        else { throw AppError(.conflict, code: "notice_not_created", L10n.t("console.settings.notices.notCreated")) }
        return notice
    }

    public func updateNotice(id: UUID, _ input: NoticeInput, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE service_notices SET kind = \(input.kind), title = \(input.title), body = \(input.body),
                   starts_at = \(input.startsAt), ends_at = \(input.endsAt), translations = \(JSONParameter(input.translations))::jsonb
             WHERE id = \(id)
            """) == 1
    }

    public func resolveNotice(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("UPDATE service_notices SET resolved_at = now() WHERE id = \(id) AND resolved_at IS NULL") == 1
    }
}
