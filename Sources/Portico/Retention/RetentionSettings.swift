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
        let label: String
        let hint: String
        let range: ClosedRange<Int>
        let keyPath: WritableKeyPath<RetentionSettings, Int> & Sendable
    }

    static let fields: [Field] = [
        Field(
            name: "audit_days", label: "Audit log", hint: "Sign-ins, changes and other events in the audit log.", range: 30...3650,
            keyPath: \.auditDays),
        Field(name: "sent_mail_days", label: "Delivered emails", hint: "Emails the outbox delivered.", range: 1...365, keyPath: \.sentMailDays),
        Field(
            name: "undelivered_mail_days", label: "Undelivered emails", hint: "Emails that bounced or were given up on.",
            range: 7...365, keyPath: \.undeliveredMailDays),
        Field(
            name: "ended_sessions_days", label: "Ended sign-ins", hint: "Sessions that expired or timed out (0: removed at once).",
            range: 0...30, keyPath: \.endedSessionsDays),
        Field(
            name: "expired_tokens_days", label: "Used or expired links", hint: "Confirmation, reset and invitation links after use or expiry.",
            range: 1...90, keyPath: \.expiredTokensDays),
        Field(
            name: "drafts_days", label: "Untouched drafts", hint: "Work-order drafts nobody submitted or changed in this time.",
            range: 30...3650, keyPath: \.draftsDays),
        Field(
            name: "delivered_webhooks_days", label: "Delivered webhooks", hint: "Webhook deliveries your system accepted.",
            range: 1...365, keyPath: \.deliveredWebhooksDays),
        Field(
            name: "dead_webhooks_days", label: "Dead webhooks", hint: "Webhook deliveries given up on after every retry.",
            range: 7...365, keyPath: \.deadWebhooksDays),
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
                errors[field.name] =
                    "\(field.label): enter a whole number of days from \(field.range.lowerBound) to \(field.range.upperBound)"
                    + (text.isEmpty ? "." : " (not “\(text.prefix(20))”).")
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
