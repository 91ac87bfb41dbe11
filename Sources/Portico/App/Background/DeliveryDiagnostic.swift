import Foundation

/// What the email and webhook workers say about a delivery, in the `last_error` column.
///
/// The database keeps one language (English: logs, the API and support read it); the consoles
/// show it in the reader's. So the workers write these sentences only through `stored`, and
/// the pages read them back through `parse` and `shown`. What a receiver, a mail server or
/// libcurl said is kept word for word: it is machine data, not ours to translate.
enum DeliveryDiagnostic: Equatable, Sendable {
    case gaveUp(attempts: Int, last: String)
    case receiverAnswered(status: Int, excerpt: String)
    case timedOut(String)
    case didNotFinish
    case webhookReleasedAtShutdown
    case webhookWorkerStopped
    case emailReleasedAtShutdown
    case emailWorkerStopped
    case emailUncertainTwice
    case emailUncertainTwiceAfter(String)
    case invalidEndpoint
    case schemeRefused(String)
    case invalidAddress(String)
    case privateAddress(String)
    case localName(String)
    case resolvesToPrivate(host: String, address: String)
    /// Anything else: a mail server's reply, libcurl's message.
    case other(String)

    /// The English sentence written to `last_error`.
    var stored: String {
        switch self {
        case .gaveUp(let attempts, let last): "Gave up after \(attempts) attempts. Last error: \(last)"
        case .receiverAnswered(let status, let excerpt): "The receiver answered \(status)\(excerpt.isEmpty ? "" : ": \(excerpt)")"
        case .timedOut(let detail): "Timed out: \(detail)"
        case .didNotFinish: "The delivery did not finish"
        case .webhookReleasedAtShutdown: "Stopped at shutdown; the next worker sends it again with the same Portico-Delivery id"
        case .webhookWorkerStopped: "Worker stopped mid-send; sending again with the same Portico-Delivery id"
        case .emailReleasedAtShutdown: "Stopped at shutdown before it was sent; the next worker sends it"
        case .emailWorkerStopped: "Worker stopped mid-send; retrying once with the same Message-ID"
        case .emailUncertainTwice: "Delivery uncertain twice (worker stopped mid-send); not retried to avoid sending it again"
        case .emailUncertainTwiceAfter(let detail): "Delivery uncertain twice; not retried to avoid sending it again. \(detail)"
        case .invalidEndpoint: "The endpoint URL is not valid"
        case .schemeRefused(let scheme): "Refused: \(scheme):// URLs are not allowed (https only)"
        case .invalidAddress(let host): "Refused: \(host) is not a valid address"
        case .privateAddress(let host): "Refused: \(host)\(Self.nonPublic)"
        case .localName(let host): "Refused: \(host) (always 127.0.0.1 or ::1)\(Self.nonPublic)"
        case .resolvesToPrivate(let host, let address): "Refused: \(host) resolves to \(address), which\(Self.nonPublic)"
        case .other(let text): text
        }
    }

    /// As stored, cut to the column's 2,000 characters.
    var column: String { String(stored.prefix(2000)) }

    /// The sentence in the current language.
    var shown: String {
        let texts = L10n.texts
        switch self {
        case .gaveUp(let attempts, let last):
            return texts.plural("diagnostics.gaveUp", count: attempts, ["last": Self.parse(last).shown])
        case .receiverAnswered(let status, let excerpt):
            return excerpt.isEmpty
                ? texts("diagnostics.receiverAnswered", ["status": "\(status)"])
                : texts("diagnostics.receiverAnsweredWith", ["status": "\(status)", "excerpt": excerpt])
        case .timedOut(let detail): return texts("diagnostics.timedOut", ["detail": detail])
        case .didNotFinish: return texts("diagnostics.didNotFinish")
        case .webhookReleasedAtShutdown: return texts("diagnostics.webhookReleasedAtShutdown")
        case .webhookWorkerStopped: return texts("diagnostics.webhookWorkerStopped")
        case .emailReleasedAtShutdown: return texts("diagnostics.emailReleasedAtShutdown")
        case .emailWorkerStopped: return texts("diagnostics.emailWorkerStopped")
        case .emailUncertainTwice: return texts("diagnostics.emailUncertainTwice")
        case .emailUncertainTwiceAfter(let detail): return texts("diagnostics.emailUncertainTwiceAfter", ["detail": detail])
        case .invalidEndpoint: return texts("diagnostics.invalidEndpoint")
        case .schemeRefused(let scheme): return texts("diagnostics.schemeRefused", ["scheme": scheme])
        case .invalidAddress(let host): return texts("diagnostics.invalidAddress", ["host": host])
        case .privateAddress(let host): return texts("diagnostics.privateAddress", ["host": host])
        case .localName(let host): return texts("diagnostics.localName", ["host": host])
        case .resolvesToPrivate(let host, let address): return texts("diagnostics.resolvesToPrivate", ["host": host, "address": address])
        case .other(let text): return text
        }
    }

    /// A stored text shown in the current language (nil stays nil).
    static func shown(_ stored: String?) -> String? {
        stored.map { parse($0).shown }
    }

    private static let nonPublic = " is a loopback, private, link-local or otherwise non-public address"

    /// Reads back what `stored` wrote; text of any other origin is `.other`.
    static func parse(_ text: String) -> DeliveryDiagnostic {
        for fixed in [
            didNotFinish, webhookReleasedAtShutdown, webhookWorkerStopped, emailReleasedAtShutdown, emailWorkerStopped,
            emailUncertainTwice, invalidEndpoint,
        ] where text == fixed.stored {
            return fixed
        }
        if let rest = text.dropping(prefix: "Gave up after "), let space = rest.firstIndex(of: " "),
            let attempts = Int(rest[..<space]), let last = rest[space...].dropping(prefix: " attempts. Last error: ")
        {
            return .gaveUp(attempts: attempts, last: String(last))
        }
        if let rest = text.dropping(prefix: "The receiver answered ") {
            let status = rest.prefix { $0.isNumber }
            if let code = Int(status), status.count == 3 {
                let after = rest.dropFirst(3)
                if after.isEmpty { return .receiverAnswered(status: code, excerpt: "") }
                if let excerpt = after.dropping(prefix: ": ") { return .receiverAnswered(status: code, excerpt: String(excerpt)) }
            }
        }
        if let detail = text.dropping(prefix: "Timed out: ") { return .timedOut(String(detail)) }
        if let detail = text.dropping(prefix: "Delivery uncertain twice; not retried to avoid sending it again. ") {
            return .emailUncertainTwiceAfter(String(detail))
        }
        if let rest = text.dropping(prefix: "Refused: ") {
            if let scheme = rest.dropping(suffix: ":// URLs are not allowed (https only)") { return .schemeRefused(String(scheme)) }
            if let host = rest.dropping(suffix: " is not a valid address") { return .invalidAddress(String(host)) }
            if let subject = rest.dropping(suffix: nonPublic) {
                if let host = subject.dropping(suffix: " (always 127.0.0.1 or ::1)") { return .localName(String(host)) }
                if let which = subject.dropping(suffix: ", which"), let range = which.range(of: " resolves to ") {
                    return .resolvesToPrivate(host: String(which[..<range.lowerBound]), address: String(which[range.upperBound...]))
                }
                return .privateAddress(String(subject))
            }
        }
        return .other(text)
    }
}

extension StringProtocol {
    fileprivate func dropping(prefix: String) -> SubSequence? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }

    fileprivate func dropping(suffix: String) -> SubSequence? {
        hasSuffix(suffix) ? dropLast(suffix.count) : nil
    }
}
