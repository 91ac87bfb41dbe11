/// A message or a mail configuration that Portico refuses to use.
///
/// These are caller mistakes, found before anything is sent: retrying does not help.
/// Messages name the header or variable at fault, and show offending values escaped
/// (`"a\r\nb"`) so that a log line can never be split by them.
public enum MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header value (address, display name, subject, extra header, Message-ID,
    /// List-Unsubscribe) that cannot be written safely; the text says which and why.
    case invalidHeader(String)
    /// A bad SMTP setting; `variable` is the environment variable it came from
    /// (`SMTP_URL`, `SMTP_STARTTLS`, `SMTP_CA_FILE`).
    case invalidConfiguration(variable: String, message: String)

    public var description: String {
        switch self {
        case .invalidHeader(let reason):
            return "Invalid mail header: \(reason)"
        case .invalidConfiguration(let variable, let message):
            return "\(variable) \(message)"
        }
    }
}

/// `text` as a Swift string literal with control characters escaped, cut at `limit`
/// characters: safe to put into an error message or a log line.
func escapedForMessage(_ text: String, limit: Int = 80) -> String {
    let shown = text.count > limit ? String(text.prefix(limit)) + "…" : text
    return String(reflecting: shown)
}
