extension SMTPTestServer {
    /// How the test server behaves. The defaults: plain SMTP (no STARTTLS offered), every
    /// recipient accepted, no authentication.
    public struct Options: Sendable {
        public enum Security: Sendable {
            /// No TLS; STARTTLS is not offered.
            case plain
            /// STARTTLS offered and required, with this server certificate.
            case startTLS(TestCertificates)
            /// TLS from the first byte (smtps).
            case implicitTLS(TestCertificates)
        }

        /// Where the server stops answering (the client then times out).
        public enum Hang: String, Sendable {
            /// At RCPT TO: before any message data.
            case rcpt
            /// After the whole message was received (and saved), before the final reply.
            case data
        }

        public var security: Security
        /// Answered 550 at RCPT TO.
        public var rejectRecipients: [String]
        /// Answered 451 at RCPT TO.
        public var tempfailRecipients: [String]
        /// Answer 554 after the message data.
        public var rejectData: Bool
        /// Require AUTH with these credentials (offered only after STARTTLS).
        public var auth: (user: String, password: String)?
        public var hang: Hang?
        /// Save the message, then close the connection without replying.
        public var dropAfterData: Bool
        /// A fixed port (to bring a "relay" back where it was); nil picks a free one.
        public var port: Int?
        /// A slow relay: how long it waits after each message's data before it saves the
        /// message and replies. A client that gives up meanwhile leaves nothing saved.
        public var delay: Duration?

        public init(
            security: Security = .plain, rejectRecipients: [String] = [], tempfailRecipients: [String] = [],
            rejectData: Bool = false, auth: (user: String, password: String)? = nil, hang: Hang? = nil,
            dropAfterData: Bool = false
        ) {
            self.security = security
            self.rejectRecipients = rejectRecipients
            self.tempfailRecipients = tempfailRecipients
            self.rejectData = rejectData
            self.auth = auth
            self.hang = hang
            self.dropAfterData = dropAfterData
            self.port = nil
            self.delay = nil
        }

        /// The command-line flags of smtp_test_server.py.
        var arguments: [String] {
            var arguments: [String] = []
            if let port { arguments += ["--port", String(port)] }
            switch security {
            case .plain:
                arguments.append("--no-starttls")
            case .startTLS(let certificates):
                arguments += ["--starttls", "--cert", certificates.serverCertificate.path, "--key", certificates.serverKey.path]
            case .implicitTLS(let certificates):
                arguments += ["--implicit-tls", "--cert", certificates.serverCertificate.path, "--key", certificates.serverKey.path]
            }
            for address in rejectRecipients { arguments += ["--reject-rcpt", address] }
            for address in tempfailRecipients { arguments += ["--tempfail-rcpt", address] }
            if rejectData { arguments.append("--reject-data") }
            if let auth { arguments += ["--auth", "\(auth.user):\(auth.password)"] }
            if let hang { arguments += ["--hang", hang.rawValue] }
            if dropAfterData { arguments.append("--drop-after-data") }
            if let delay {
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                arguments += ["--delay", String(seconds)]
            }
            return arguments
        }
    }
}

/// One message the test server accepted: the envelope and the data exactly as received.
public struct ReceivedMail: Sendable {
    struct Envelope: Decodable {
        let mail_from: String
        let rcpt_tos: [String]
        let tls: Bool
        let auth_user: String?
    }

    public let number: Int
    /// MAIL FROM and RCPT TO addresses.
    public let mailFrom: String
    public let recipients: [String]
    /// The message travelled over TLS (STARTTLS or implicit).
    public let tls: Bool
    /// The user that authenticated, if the server required AUTH.
    public let authenticatedUser: String?
    /// The DATA after dot-unstuffing: byte for byte what the client meant to send.
    public let data: [UInt8]

    init(number: Int, envelope: Envelope, data: [UInt8]) {
        self.number = number
        mailFrom = envelope.mail_from
        recipients = envelope.rcpt_tos
        tls = envelope.tls
        authenticatedUser = envelope.auth_user
        self.data = data
    }

    public var text: String { String(decoding: data, as: UTF8.self) }
}
