import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

/// Deliveries to a real SMTP server (aiosmtpd) on loopback, plain SMTP.
@Suite("SMTP delivery to a real server")
struct SMTPDeliveryTests {
    @Test("a multipart message arrives byte for byte as the builder made it, with the right envelope")
    func delivered() async throws {
        try await SMTPTestServer.with { server in
            // Setup: dots at line starts, to prove libcurl's dot-stuffing round trip.
            let message = try Fixtures.message(
                text: "Hello Ada,\n.\n..two dots\n.one dot\nFrom the team\n",
                html: "<p>Hi</p>\n.\n<p>🚀</p>\n",
                listUnsubscribe: "https://acme.example.net/u/1"
            )

            // Act
            try await SMTPTransport.with(try server.configuration()) { try await $0.send(message) }
            let received = try await server.waitForMessages(count: 1)

            // Check: rebuilt with the boundary the transport picked, the bytes are identical.
            #expect(received.count == 1)
            let mail = received[0]
            #expect(mail.mailFrom == "portal@acme.example.net")
            #expect(mail.recipients == ["ada@example.com"])
            #expect(mail.tls == false)
            let usedBoundary = try #require(boundary(of: mail.data))
            #expect(mail.data == (try MIMEBuilder.build(message, boundary: usedBoundary)))
            let parsed = try await MIMEInspection.parse(mail.data)
            #expect(parsed.parts.first?.body == Fixtures.crlf(message.textBody))
        }
    }

    @Test("a 200 KB body arrives intact")
    func largeBody() async throws {
        try await SMTPTestServer.with { server in
            // Setup: 200 KB of lines, some starting with dots, some long, some Unicode.
            var text = ""
            var line = 0
            while text.utf8.count < 200_000 {
                line += 1
                text += line % 5 == 0 ? ".\(line)\n" : "Line \(line) — Grüße 🚀 \(String(repeating: "x", count: line % 300))\n"
            }
            let message = try Fixtures.message(text: text, html: nil)
            let expected = try MIMEBuilder.build(message)  // single part: no random boundary

            // Act
            try await SMTPTransport.with(try server.configuration()) { try await $0.send(message) }
            let received = try await server.waitForMessages(count: 1)

            // Check
            #expect(expected.count > 200_000)
            #expect(received[0].data == expected)
        }
    }

    @Test("a recipient refused with 550 is a permanent failure with code 550, and nothing is delivered")
    func rejectedRecipient() async throws {
        try await SMTPTestServer.with(.init(rejectRecipients: ["ada@example.com"])) { server in
            // Setup
            let message = try Fixtures.message()

            // Act
            let error = try await SMTPTransport.with(try server.configuration()) { await $0.failure(sending: message) }

            // Check
            guard case .permanent(let code, let text) = error else {
                Issue.record("expected a permanent failure, got \(String(describing: error))")
                return
            }
            #expect(code == 550)
            #expect(text.contains("refused"))
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("a recipient deferred with 451 is a transient failure with code 451")
    func deferredRecipient() async throws {
        try await SMTPTestServer.with(.init(tempfailRecipients: ["ada@example.com"])) { server in
            // Act
            let error = try await SMTPTransport.with(try server.configuration()) { await $0.failure(sending: try Fixtures.message()) }

            // Check
            guard case .transient(let code, _) = error else {
                Issue.record("expected a transient failure, got \(String(describing: error))")
                return
            }
            #expect(code == 451)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("the message refused after its data (554) is permanent")
    func rejectedData() async throws {
        try await SMTPTestServer.with(.init(rejectData: true)) { server in
            // Act
            let error = try await SMTPTransport.with(try server.configuration()) { await $0.failure(sending: try Fixtures.message()) }

            // Check
            #expect(error?.isPermanent == true)
            #expect(error?.replyCode == 554)
        }
    }

    @Test("no server listening on the port is a transient failure")
    func connectionRefused() async throws {
        // Setup: a port with nothing behind it.
        let port = try SMTPTestServer.unusedPort()
        let configuration = try SMTPConfiguration.parse(url: "smtp://127.0.0.1:\(port)", startTLS: false)

        // Act
        let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

        // Check
        guard case .transient(let code, let text) = error else {
            Issue.record("expected a transient failure, got \(String(describing: error))")
            return
        }
        #expect(code == nil)
        #expect(text.contains("cannot reach"))
    }

    @Test("a server that stops answering before the data is a transient failure (timeout)")
    func timeoutBeforeData() async throws {
        try await SMTPTestServer.with(.init(hang: .rcpt)) { server in
            // Setup
            var configuration = try server.configuration()
            configuration.totalTimeout = .seconds(2)

            // Act
            let started = ContinuousClock.now
            let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

            // Check
            guard case .transient = error else {
                Issue.record("expected a transient failure, got \(String(describing: error))")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test("a server that received the whole message but never confirms it gives an uncertain result", arguments: [false, true])
    func uncertainAfterData(drop: Bool) async throws {
        let options: SMTPTestServer.Options = drop ? .init(dropAfterData: true) : .init(hang: .data)
        try await SMTPTestServer.with(options) { server in
            // Setup
            var configuration = try server.configuration()
            configuration.totalTimeout = .seconds(2)

            // Act
            let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

            // Check: the server does have it — that is why a retry could deliver twice.
            guard case .uncertain(let text) = error else {
                Issue.record("expected an uncertain result, got \(String(describing: error))")
                return
            }
            #expect(text.contains("after the whole message was sent"))
            #expect(try server.messages().count == 1)
        }
    }

    @Test("several deliveries at once through a two-thread transport all arrive")
    func concurrentDeliveries() async throws {
        try await SMTPTestServer.with { server in
            // Setup
            let messages = try (1...8).map { number in
                var message = try Fixtures.message(subject: "Message \(number)")
                message.messageID = "message-\(number)@acme.example.net"
                return message
            }

            // Act
            try await SMTPTransport.with(try server.configuration(), concurrency: 2) { transport in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for message in messages { group.addTask { try await transport.send(message) } }
                    try await group.waitForAll()
                }
            }

            // Check
            let received = try await server.waitForMessages(count: 8)
            let subjects = try await withThrowingTaskGroup(of: String?.self) { group in
                for mail in received { group.addTask { try await MIMEInspection.parse(mail.data).value("Subject") } }
                return try await group.reduce(into: Set<String>()) { if let subject = $1 { $0.insert(subject) } }
            }
            #expect(subjects == Set((1...8).map { "Message \($0)" }))
        }
    }

    @Test("after shutdown a send fails as transient instead of hanging")
    func afterShutdown() async throws {
        // Setup
        let configuration = try SMTPConfiguration.parse(url: "smtp://127.0.0.1:25", startTLS: false)
        let transport = SMTPTransport(configuration: configuration)
        await transport.shutdown()

        // Act
        let error = await transport.failure(sending: try Fixtures.message())

        // Check
        #expect(error == .transient(code: nil, message: "the SMTP transport is shut down"))
    }

    @Test("a message that cannot be built is a permanent failure before any connection")
    func unbuildable() async throws {
        // Setup: no server at all — nothing may be attempted.
        let configuration = try SMTPConfiguration.parse(url: "smtp://127.0.0.1:\(try SMTPTestServer.unusedPort())", startTLS: false)
        let message = try Fixtures.message(subject: "bad\r\nBcc: x@example.com")

        // Act
        let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: message) }

        // Check
        #expect(error?.isPermanent == true)
        #expect(error?.message.contains("Subject") == true)
    }
}
