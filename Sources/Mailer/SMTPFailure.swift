import CCurl
import Foundation

/// Sorts a failed libcurl SMTP transfer into permanent, transient or uncertain.
///
/// Order matters: the few libcurl results that mean "misconfigured" win over the reply
/// code (a refused STARTTLS leaves a 5xx code behind), then the server's own verdict
/// (4xx / 5xx reply), then what is known about the connection: if it broke after libcurl
/// had taken the whole message, the server may have accepted it.
enum SMTPFailure {
    struct Context {
        var curlCode: CURLcode
        /// CURLINFO_RESPONSE_CODE: the last SMTP reply code, 0 if none.
        var replyCode: Int
        /// The read callback handed libcurl the whole message.
        var bodyDelivered: Bool
        /// libcurl's error text.
        var detail: String
        var configuration: SMTPConfiguration
    }

    static func classify(_ context: Context) -> MailDeliveryError {
        let code = context.curlCode
        let reply = context.replyCode > 0 ? context.replyCode : nil
        let relay = "\(context.configuration.host):\(context.configuration.port)"
        let detail = redact(context.detail, password: context.configuration.password)
        let replyText = reply.map { ", last reply \($0)" } ?? ""

        if code == CURLE_USE_SSL_FAILED {
            return .permanent(
                code: reply,
                message:
                    "STARTTLS is required but the SMTP server \(relay) does not offer it (\(detail)); nothing was sent. Use a relay with STARTTLS, smtps://, or SMTP_STARTTLS=false for a relay on this machine"
            )
        }
        if code == CURLE_LOGIN_DENIED {
            return .permanent(code: reply, message: "the SMTP server \(relay) refused the user name or password (\(detail))")
        }
        if certificateProblems.contains(code) {
            return .permanent(
                code: nil,
                message: "TLS certificate of \(relay) not accepted (\(detail)); set SMTP_CA_FILE to the CA that signed it if it is a private one"
            )
        }
        if configurationProblems.contains(code) {
            return .permanent(code: nil, message: "cannot deliver through \(relay): \(detail)")
        }
        if let reply, (500..<600).contains(reply) {
            return .permanent(code: reply, message: "the SMTP server \(relay) refused the message: \(detail)\(replyText)")
        }
        if let reply, (400..<500).contains(reply) {
            return .transient(code: reply, message: "the SMTP server \(relay) deferred the message: \(detail)\(replyText)")
        }
        if code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST {
            return .transient(code: nil, message: "cannot reach the SMTP server \(relay): \(detail)")
        }
        if context.bodyDelivered {
            return .uncertain(
                message: "the connection to \(relay) failed after the whole message was sent, before the server confirmed it: \(detail)\(replyText)"
            )
        }
        if code == CURLE_ABORTED_BY_CALLBACK {
            return .transient(
                code: nil, message: "delivery through \(relay) was stopped before the whole message was sent (the worker is shutting down)")
        }
        if code == CURLE_OPERATION_TIMEDOUT {
            return .transient(code: nil, message: "the SMTP server \(relay) did not answer in time: \(detail)\(replyText)")
        }
        return .transient(code: reply, message: "delivery through \(relay) failed: \(detail)\(replyText)")
    }

    /// The peer's certificate could not be verified or our trust settings are unusable.
    static let certificateProblems: Set<UInt32> = [
        CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
        CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
        CURLE_SSL_CRL_BADFILE,
    ].map(\.rawValue).reduce(into: []) { $0.insert($1) }

    /// Settings this libcurl cannot use: no retry will change that.
    static let configurationProblems: Set<UInt32> = [
        CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_FILESIZE_EXCEEDED,
        CURLE_SSL_CIPHER, CURLE_UNKNOWN_OPTION,
    ].map(\.rawValue).reduce(into: []) { $0.insert($1) }

    /// Never let a password reach an error message, whatever libcurl put in its text.
    static func redact(_ text: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }
}

extension Set where Element == UInt32 {
    func contains(_ code: CURLcode) -> Bool { contains(code.rawValue) }
}
