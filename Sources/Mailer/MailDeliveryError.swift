/// Why a delivery failed, sorted by what the sender should do next.
public enum MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused for good (5xx), or the message or configuration is unusable
    /// (bad recipient, authentication refused, STARTTLS not offered, certificate not
    /// trusted). Retrying the same message against the same relay will not help.
    case permanent(code: Int?, message: String)
    /// Nothing was accepted and a later attempt may succeed: a 4xx reply, no connection,
    /// a timeout before the message was handed over completely.
    case transient(code: Int?, message: String)
    /// The whole message was handed to the connection, then the reply never came (timeout
    /// or connection loss). The server may have accepted it: retrying may deliver twice.
    case uncertain(message: String)

    /// The SMTP reply code the error is based on, if any.
    public var replyCode: Int? {
        switch self {
        case .permanent(let code, _), .transient(let code, _): return code
        case .uncertain: return nil
        }
    }

    public var message: String {
        switch self {
        case .permanent(_, let message), .transient(_, let message), .uncertain(let message): return message
        }
    }

    public var isPermanent: Bool {
        if case .permanent = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .permanent(let code, let message):
            return "permanent mail delivery failure\(code.map { " (\($0))" } ?? ""): \(message)"
        case .transient(let code, let message):
            return "temporary mail delivery failure\(code.map { " (\($0))" } ?? ""): \(message)"
        case .uncertain(let message):
            return "mail delivery outcome unknown: \(message)"
        }
    }
}
