/// Delivers built messages somewhere: an SMTP relay (`SMTPTransport`) or a directory of
/// `.eml` files (`MailDropTransport`).
public protocol MailTransport: Sendable {
    /// Returns once the message was accepted. Throws `MailDeliveryError` only: every
    /// failure is classified as permanent, transient or uncertain.
    func send(_ message: MailMessage) async throws
}
