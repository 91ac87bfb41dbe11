import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

/// TLS and authentication against a real SMTP server on loopback, with a private CA made
/// by the openssl CLI for each test.
@Suite("SMTP delivery over TLS")
struct SMTPTLSTests {
    /// Fresh certificates for `body`, removed afterwards.
    static func withCertificates<T>(_ body: (TestCertificates) async throws -> T) async throws -> T {
        let certificates = try await TestCertificates.generate()
        defer { certificates.remove() }
        return try await body(certificates)
    }

    @Test("STARTTLS with the relay's private CA in SMTP_CA_FILE delivers over TLS")
    func startTLS() async throws {
        try await Self.withCertificates { certificates in
            try await SMTPTestServer.with(.init(security: .startTLS(certificates))) { server in
                // Setup
                let message = try Fixtures.message()

                // Act
                try await SMTPTransport.with(try server.configuration(ca: certificates.caCertificate)) { try await $0.send(message) }

                // Check
                let received = try await server.waitForMessages(count: 1)
                #expect(received[0].tls)
                #expect(received[0].data == (try MIMEBuilder.build(message, boundary: try #require(boundary(of: received[0].data)))))
            }
        }
    }

    @Test("implicit TLS (smtps://) delivers")
    func implicitTLS() async throws {
        try await Self.withCertificates { certificates in
            try await SMTPTestServer.with(.init(security: .implicitTLS(certificates))) { server in
                // Setup
                let configuration = try server.configuration(ca: certificates.caCertificate)
                #expect(configuration.security == .implicitTLS)

                // Act
                try await SMTPTransport.with(configuration) { try await $0.send(try Fixtures.message()) }

                // Check
                let received = try await server.waitForMessages(count: 1)
                #expect(received[0].tls)
            }
        }
    }

    @Test("STARTTLS required but not offered is permanent, says so, and sends nothing")
    func startTLSNotOffered() async throws {
        try await SMTPTestServer.with(.init(security: .plain)) { server in
            // Setup: the default — STARTTLS required — against a server without it.
            let configuration = try SMTPConfiguration.parse(url: server.url)
            #expect(configuration.security == .startTLS)

            // Act
            let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

            // Check
            guard case .permanent(_, let text) = error else {
                Issue.record("expected a permanent failure, got \(String(describing: error))")
                return
            }
            #expect(text.contains("STARTTLS is required but the SMTP server 127.0.0.1:\(server.port) does not offer it"))
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("a certificate from a CA we do not trust is a permanent failure, and nothing is sent")
    func wrongCA() async throws {
        try await Self.withCertificates { serverCertificates in
            try await Self.withCertificates { otherCertificates in
                try await SMTPTestServer.with(.init(security: .startTLS(serverCertificates))) { server in
                    // Setup: trust a different CA than the one that signed the server's certificate.
                    let configuration = try server.configuration(ca: otherCertificates.caCertificate)

                    // Act
                    let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

                    // Check
                    guard case .permanent(_, let text) = error else {
                        Issue.record("expected a permanent failure, got \(String(describing: error))")
                        return
                    }
                    #expect(text.contains("certificate"))
                    #expect(text.contains("SMTP_CA_FILE"))
                    #expect(try server.messages().isEmpty)
                }
            }
        }
    }

    @Test("without SMTP_CA_FILE the system CAs do not trust a private CA: permanent")
    func systemCAs() async throws {
        try await Self.withCertificates { certificates in
            try await SMTPTestServer.with(.init(security: .startTLS(certificates))) { server in
                // Act
                let error = try await SMTPTransport.with(try server.configuration(ca: nil)) { await $0.failure(sending: try Fixtures.message()) }

                // Check
                #expect(error?.isPermanent == true)
                #expect(try server.messages().isEmpty)
            }
        }
    }

    @Test("AUTH after STARTTLS with percent-encoded credentials delivers as that user")
    func authenticated() async throws {
        try await Self.withCertificates { certificates in
            try await SMTPTestServer.with(.init(security: .startTLS(certificates), auth: (user: "mailer@acme", password: "p@ss:word/1"))) { server in
                // Setup
                let configuration = try server.configuration(ca: certificates.caCertificate, credentials: "mailer%40acme:p%40ss%3Aword%2F1")

                // Act
                try await SMTPTransport.with(configuration) { try await $0.send(try Fixtures.message()) }

                // Check
                let received = try await server.waitForMessages(count: 1)
                #expect(received[0].authenticatedUser == "mailer@acme")
                #expect(received[0].tls)
            }
        }
    }

    @Test("a wrong password is permanent and the error never shows the password")
    func wrongPassword() async throws {
        try await Self.withCertificates { certificates in
            try await SMTPTestServer.with(.init(security: .startTLS(certificates), auth: (user: "mailer", password: "right-password"))) { server in
                // Setup
                let configuration = try server.configuration(ca: certificates.caCertificate, credentials: "mailer:wrong-Pa55word")

                // Act
                let error = try await SMTPTransport.with(configuration) { await $0.failure(sending: try Fixtures.message()) }

                // Check
                #expect(error?.isPermanent == true)
                #expect(error?.replyCode == 535)
                #expect(!"\(String(describing: error))".contains("wrong-Pa55word"))
                #expect(try server.messages().isEmpty)
            }
        }
    }
}
