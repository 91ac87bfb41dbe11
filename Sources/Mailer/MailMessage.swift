import Foundation

/// One email to one recipient, as the application describes it. `MIMEBuilder` turns it
/// into the bytes that are sent; nothing here is checked until then.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var replyTo: MailAddress?
    public var subject: String
    /// The plain-text body. Any line breaks (LF, CR or CRLF) are sent as CRLF.
    public var textBody: String
    /// With an HTML body the message is `multipart/alternative` (text first, then HTML);
    /// without one it is a single `text/plain` part.
    public var htmlBody: String?
    /// `id-left@id-right` without angle brackets (the builder adds them). Keep it stable
    /// across retries of the same email, so that receivers can spot duplicates.
    public var messageID: String
    public var date: Date
    /// A `https:`, `http:` or `mailto:` URL. Adds `List-Unsubscribe: <url>`, and for https
    /// also `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    public var listUnsubscribe: String?
    /// More header fields, written in this order after the standard ones (`X-Portico-Kind`…).
    /// Names must be RFC 5322 field names and must not be one the builder writes itself.
    public var extraHeaders: [(name: String, value: String)]
    /// `Content-Language` (RFC 3282): the language tag of the bodies (`es`, `pt-BR`).
    public var contentLanguage: String?

    /// `messageID` nil makes a random one in the sender's domain; `date` defaults to now.
    public init(
        from: MailAddress,
        to: MailAddress,
        replyTo: MailAddress? = nil,
        subject: String,
        textBody: String,
        htmlBody: String? = nil,
        messageID: String? = nil,
        date: Date = Date(),
        listUnsubscribe: String? = nil,
        extraHeaders: [(name: String, value: String)] = [],
        contentLanguage: String? = nil
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageID = messageID ?? Self.makeMessageID(domain: from.domain)
        self.date = date
        self.listUnsubscribe = listUnsubscribe
        self.extraHeaders = extraHeaders
        self.contentLanguage = contentLanguage
    }

    /// A random Message-ID (`<uuid>@<domain>`).
    public static func makeMessageID(domain: String) -> String {
        "\(UUID().uuidString.lowercased())@\(domain)"
    }
}
