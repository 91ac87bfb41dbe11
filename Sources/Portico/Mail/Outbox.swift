import Foundation
import Postgres

/// Writes email into the outbox inside the caller's transaction: the message exists if and
/// only if the change that caused it commits.
///
/// A one-time link (reset, verification, invitation, email change) never sits in the stored
/// bodies: they keep `Outbox.linkTokenPlaceholder` where the token goes, the token waits in
/// `link_token` until the message reaches the relay, and is cleared once the message is sent,
/// refused or dead. Backups, database readers and the staff outbox see no usable link.
public struct Outbox: Sendable {
    let composer: EmailComposer

    public init(composer: EmailComposer) { self.composer = composer }

    /// What stands in the stored bodies for the token of a one-time link.
    public static let linkTokenPlaceholder = "{one-time-link-token}"

    /// The recipient's language: a subscriber's or staff member's own choice while the tenant
    /// offers it, else the tenant's default. Every kind reads the message catalogs.
    static func language(of recipient: String, tenant: ResolvedTenant, in transaction: TenantTransaction) async throws -> Language {
        let chosen = try await transaction.scalar(
            """
            SELECT COALESCE((SELECT language FROM customers WHERE email = \(recipient.lowercased())),
                            (SELECT language FROM staff_users WHERE email = \(recipient.lowercased())))
            """, as: String.self)
        return chosen.flatMap(Language.init(code:)).flatMap { tenant.offeredLanguages.contains($0) ? $0 : nil } ?? tenant.defaultLanguage
    }

    /// A kind that carries a one-time link was queued without naming its token.
    struct MissingLinkToken: Error, CustomStringConvertible {
        let kind: NotificationKind
        var description: String { "A \(kind.rawValue) email must name its one-time link token (Outbox.enqueue linkToken:)." }
    }

    /// Renders and queues `kind` for `recipient`. Returns false when the tenant switched this
    /// kind of mail off (security mail cannot be switched off). `linkToken`: the token of the
    /// one-time link in `values` (required for the kinds that carry one).
    @discardableResult
    public func enqueue(
        _ kind: NotificationKind, to recipient: String, name recipientName: String, tenant: ResolvedTenant,
        values: [String: any Sendable] = [:], linkToken: String? = nil, listUnsubscribe: String? = nil, in transaction: TenantTransaction
    ) async throws -> Bool {
        // A one-time link must be named (and be a real token: a short string would match
        // ordinary text when it is taken out of the bodies).
        if kind.carriesLinkToken && (linkToken?.count ?? 0) < 20 { throw MissingLinkToken(kind: kind) }
        if !kind.isSecurity {
            let disabled =
                try await transaction.scalar(
                    """
                    SELECT \(kind.rawValue) = ANY(disabled_notifications) FROM tenant_settings
                    """, as: Bool.self) ?? false
            if disabled { return false }
        }
        var values = values
        // The same link as the `List-Unsubscribe` header, visible in both parts' footers.
        if let listUnsubscribe { values["unsubscribeUrl"] = listUnsubscribe }
        let language = try await Self.language(of: recipient, tenant: tenant, in: transaction)
        // Values that are `MailText` (status names, dates) are written here, in the recipient's language.
        let email = try Texts.$current.withValue(composer.renderer.catalogs.texts(language)) {
            try composer.compose(kind, tenant: tenant, recipientName: recipientName, values: values)
        }
        var text = email.text
        var html = email.html
        var storedToken: String?
        if let linkToken, linkToken.count >= 20, text.contains(linkToken) || html.contains(linkToken) {
            text = text.replacingOccurrences(of: linkToken, with: Self.linkTokenPlaceholder)
            html = html.replacingOccurrences(of: linkToken, with: Self.linkTokenPlaceholder)
            storedToken = linkToken
        }
        let id = UUID()
        let host = URLComponents(string: tenant.publicOrigin)?.host ?? "portico.invalid"
        try await transaction.execute(
            """
            INSERT INTO outbox (tenant_id, id, kind, recipient, recipient_name, subject, text_body, html_body, from_name, reply_to,
                                list_unsubscribe, message_id, link_token, content_language)
            VALUES (\(transaction.tenant), \(id), \(kind.rawValue), \(recipient.lowercased()), \(String(recipientName.prefix(200))),
                    \(String(email.subject.prefix(500))), \(text), \(html), \(String(tenant.branding.companyName.prefix(200))),
                    \(tenant.branding.supportEmail), \(listUnsubscribe), \("\(id.uuidString.lowercased())@\(host)"), \(storedToken), \(language.code))
            """)
        return true
    }
}
