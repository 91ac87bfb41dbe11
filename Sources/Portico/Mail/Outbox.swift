import Foundation
import Postgres

/// Writes email into the outbox inside the caller's transaction: the message exists if and
/// only if the change that caused it commits.
public struct Outbox: Sendable {
    let composer: EmailComposer

    public init(composer: EmailComposer) { self.composer = composer }

    /// Renders and queues `kind` for `recipient`. Returns false when the tenant switched this
    /// kind of mail off (security mail cannot be switched off).
    @discardableResult
    public func enqueue(
        _ kind: NotificationKind, to recipient: String, name recipientName: String, tenant: ResolvedTenant,
        values: [String: any Sendable] = [:], listUnsubscribe: String? = nil, in transaction: TenantTransaction
    ) async throws -> Bool {
        if !kind.isSecurity {
            let disabled = try await transaction.scalar("""
                SELECT \(kind.rawValue) = ANY(disabled_notifications) FROM tenant_settings
                """, as: Bool.self) ?? false
            if disabled { return false }
        }
        var values = values
        // The same link as the `List-Unsubscribe` header, visible in both parts' footers.
        if let listUnsubscribe { values["unsubscribeUrl"] = listUnsubscribe }
        let email = try composer.compose(kind, tenant: tenant, recipientName: recipientName, values: values)
        let id = UUID()
        let host = URLComponents(string: tenant.publicOrigin)?.host ?? "portico.invalid"
        try await transaction.execute("""
            INSERT INTO outbox (tenant_id, id, kind, recipient, recipient_name, subject, text_body, html_body, from_name, reply_to,
                                list_unsubscribe, message_id)
            VALUES (\(transaction.tenant), \(id), \(kind.rawValue), \(recipient.lowercased()), \(String(recipientName.prefix(200))),
                    \(String(email.subject.prefix(500))), \(email.text), \(email.html), \(String(tenant.branding.companyName.prefix(200))),
                    \(tenant.branding.supportEmail), \(listUnsubscribe), \("\(id.uuidString.lowercased())@\(host)"))
            """)
        return true
    }
}
