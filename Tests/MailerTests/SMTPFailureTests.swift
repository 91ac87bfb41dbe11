import CCurl
import Testing

@testable import Mailer

@Suite("Classifying failed deliveries")
struct SMTPFailureTests {
    static let configuration = try! SMTPConfiguration.parse(url: "smtp://mailer:s3cr3t-pw@relay.example.net:587")

    static func classify(_ code: CURLcode, reply: Int = 0, delivered: Bool = false, detail: String = "detail") -> MailDeliveryError {
        SMTPFailure.classify(.init(curlCode: code, replyCode: reply, bodyDelivered: delivered, detail: detail, configuration: configuration))
    }

    @Test("5xx replies and misconfiguration are permanent")
    func permanent() {
        // Act / check
        #expect(Self.classify(CURLE_SEND_ERROR, reply: 550) == .permanent(code: 550, message: Self.classify(CURLE_SEND_ERROR, reply: 550).message))
        #expect(Self.classify(CURLE_WEIRD_SERVER_REPLY, reply: 554, delivered: true).replyCode == 554)
        #expect(Self.classify(CURLE_WEIRD_SERVER_REPLY, reply: 554, delivered: true).isPermanent)
        #expect(Self.classify(CURLE_LOGIN_DENIED, reply: 535).isPermanent)
        #expect(Self.classify(CURLE_PEER_FAILED_VERIFICATION, reply: 220).isPermanent)
        #expect(Self.classify(CURLE_SSL_CACERT_BADFILE).isPermanent)
        #expect(Self.classify(CURLE_UNSUPPORTED_PROTOCOL).isPermanent)
        let starttls = Self.classify(CURLE_USE_SSL_FAILED, reply: 502)
        #expect(starttls.isPermanent && starttls.message.contains("STARTTLS is required but the SMTP server relay.example.net:587 does not offer it"))
    }

    @Test("4xx replies, refused connections and early timeouts are transient")
    func transient() {
        // Act / check
        #expect(Self.classify(CURLE_SEND_ERROR, reply: 451) == .transient(code: 451, message: Self.classify(CURLE_SEND_ERROR, reply: 451).message))
        #expect(Self.classify(CURLE_WEIRD_SERVER_REPLY, reply: 452, delivered: true).replyCode == 452)
        for code in [
            CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR,
        ] {
            guard case .transient = Self.classify(code, reply: code == CURLE_OPERATION_TIMEDOUT ? 250 : 0) else {
                Issue.record("\(code) not transient")
                continue
            }
        }
    }

    @Test("a timeout or lost connection after the whole message was handed over is uncertain")
    func uncertain() {
        // Act / check: the last reply was 354 (go ahead), then nothing.
        for code in [CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING] {
            guard case .uncertain = Self.classify(code, reply: 354, delivered: true) else {
                Issue.record("\(code) not uncertain")
                continue
            }
        }
    }

    @Test("messages never contain the password, even if libcurl's text did")
    func redaction() {
        // Act
        let error = Self.classify(CURLE_LOGIN_DENIED, reply: 535, detail: "Login denied for mailer:s3cr3t-pw")

        // Check
        #expect(!"\(error)".contains("s3cr3t-pw"))
        #expect("\(error)".contains("***"))
    }
}
