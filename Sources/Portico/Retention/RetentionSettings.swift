import Foundation
import Postgres

/// How long a tenant keeps records that are only useful for a while, in days. The defaults are
/// what maintenance did before the settings existed; the bounds (also checked by the database)
/// keep an admin from erasing what security reviews need (30 days of audit log at least) or
/// from keeping personal data without end (mail and webhook payloads at most a year).
struct RetentionSettings: Sendable, Equatable {
    var auditDays = 365
    var sentMailDays = 30
    var undeliveredMailDays = 90
    var endedSessionsDays = 0
    var expiredTokensDays = 7
    var draftsDays = 365
    var deliveredWebhooksDays = 30
    var deadWebhooksDays = 90

    struct Field: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let keyPath: WritableKeyPath<RetentionSettings, Int> & Sendable

        /// "Audit log", in the reader's language.
        var label: String { L10n.t("console.settings.retention.field.\(name).label") }
        var hint: String { L10n.t("console.settings.retention.field.\(name).hint") }
    }

    static let fields: [Field] = [
        Field(
            name: "audit_days", range: 30...3650,
            keyPath: \.auditDays),
        Field(name: "sent_mail_days", range: 1...365, keyPath: \.sentMailDays),
        Field(
            name: "undelivered_mail_days", range: 7...365, keyPath: \.undeliveredMailDays),
        Field(
            name: "ended_sessions_days", range: 0...30, keyPath: \.endedSessionsDays),
        Field(
            name: "expired_tokens_days", range: 1...90, keyPath: \.expiredTokensDays),
        Field(
            name: "drafts_days", range: 30...3650, keyPath: \.draftsDays),
        Field(
            name: "delivered_webhooks_days", range: 1...365, keyPath: \.deliveredWebhooksDays),
        Field(
            name: "dead_webhooks_days", range: 7...365, keyPath: \.deadWebhooksDays),
    ]

    static func load(in tx: TenantTransaction) async throws -> RetentionSettings {
        guard
            let row = try await tx.first(
                """
                SELECT retain_audit_days, retain_sent_mail_days, retain_undelivered_mail_days, retain_ended_sessions_days,
                       retain_expired_tokens_days, retain_drafts_days, retain_delivered_webhooks_days, retain_dead_webhooks_days
                  FROM tenant_settings
                """)
        else { return RetentionSettings() }
        return RetentionSettings(
            auditDays: try row.decode("retain_audit_days"), sentMailDays: try row.decode("retain_sent_mail_days"),
            undeliveredMailDays: try row.decode("retain_undelivered_mail_days"), endedSessionsDays: try row.decode("retain_ended_sessions_days"),
            expiredTokensDays: try row.decode("retain_expired_tokens_days"), draftsDays: try row.decode("retain_drafts_days"),
            deliveredWebhooksDays: try row.decode("retain_delivered_webhooks_days"), deadWebhooksDays: try row.decode("retain_dead_webhooks_days"))
    }

    /// Every field must be a whole number of days within its bounds; the messages say which.
    static func parse(_ form: FormFields) throws -> RetentionSettings {
        var settings = RetentionSettings()
        var errors: [String: String] = [:]
        for field in fields {
            let text = form.text(field.name).trimmingCharacters(in: .whitespaces)
            guard let days = Int(text), field.range.contains(days) else {
                let values = ["label": field.label, "min": "\(field.range.lowerBound)", "max": "\(field.range.upperBound)"]
                errors[field.name] =
                    text.isEmpty
                    ? L10n.t("console.settings.retention.invalid", values)
                    : L10n.t("console.settings.retention.invalidWas", values.merging(["text": String(text.prefix(20))]) { $1 })
                continue
            }
            settings[keyPath: field.keyPath] = days
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        return settings
    }

    func save(in tx: TenantTransaction) async throws {
        try await tx.execute(
            """
            INSERT INTO tenant_settings (tenant_id, retain_audit_days, retain_sent_mail_days, retain_undelivered_mail_days, retain_ended_sessions_days,
                                         retain_expired_tokens_days, retain_drafts_days, retain_delivered_webhooks_days, retain_dead_webhooks_days)
            VALUES (\(tx.tenant.rawValue), \(auditDays), \(sentMailDays), \(undeliveredMailDays), \(endedSessionsDays), \(expiredTokensDays),
                    \(draftsDays), \(deliveredWebhooksDays), \(deadWebhooksDays))
            ON CONFLICT (tenant_id) DO UPDATE SET
                retain_audit_days = EXCLUDED.retain_audit_days, retain_sent_mail_days = EXCLUDED.retain_sent_mail_days,
                retain_undelivered_mail_days = EXCLUDED.retain_undelivered_mail_days, retain_ended_sessions_days = EXCLUDED.retain_ended_sessions_days,
                retain_expired_tokens_days = EXCLUDED.retain_expired_tokens_days, retain_drafts_days = EXCLUDED.retain_drafts_days,
                retain_delivered_webhooks_days = EXCLUDED.retain_delivered_webhooks_days, retain_dead_webhooks_days = EXCLUDED.retain_dead_webhooks_days
            """)
    }

    /// For the audit log: each changed period, "old → new".
    func changes(from old: RetentionSettings) -> [String: String] {
        var details: [String: String] = [:]
        for field in Self.fields where self[keyPath: field.keyPath] != old[keyPath: field.keyPath] {
            details[field.name] = "\(old[keyPath: field.keyPath]) → \(self[keyPath: field.keyPath])"
        }
        return details
    }
}
