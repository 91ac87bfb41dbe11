import Foundation
import Testing

@testable import Mailer

@Suite("SMTP configuration from SMTP_URL")
struct SMTPConfigurationTests {
    @Test("the accepted URL forms, with default ports and percent-decoded credentials")
    func accepted() throws {
        // Act
        let plain = try SMTPConfiguration.parse(url: "smtp://relay.example.net")
        let withPort = try SMTPConfiguration.parse(url: "smtp://user%40acme:p%40ss%3Aw%2Frd@relay.example.net:587")
        let implicit = try SMTPConfiguration.parse(url: "SMTPS://Relay.Example.NET")
        let helo = try SMTPConfiguration.parse(url: "smtp://relay.example.net:2525/portico.example.org")
        let ipv6 = try SMTPConfiguration.parse(url: "smtp://[2001:db8::25]:587")
        let rawAt = try SMTPConfiguration.parse(url: "smtp://user:pa@ss/word@relay.example.net")
        let userOnly = try SMTPConfiguration.parse(url: "smtp://user@relay.example.net")

        // Check
        #expect(plain.host == "relay.example.net" && plain.port == 25 && plain.security == .startTLS)
        #expect(plain.username == nil && plain.password == nil)
        #expect(withPort.port == 587 && withPort.username == "user@acme" && withPort.password == "p@ss:w/rd")
        #expect(implicit.host == "relay.example.net" && implicit.port == 465 && implicit.security == .implicitTLS)
        #expect(helo.heloName == "portico.example.org" && helo.curlURL == "smtp://relay.example.net:2525/portico.example.org")
        #expect(ipv6.host == "2001:db8::25" && ipv6.curlURL == "smtp://[2001:db8::25]:587/")
        #expect(rawAt.username == "user" && rawAt.password == "pa@ss/word")
        #expect(userOnly.username == "user" && userOnly.password == nil)
        #expect(plain.connectTimeout == .seconds(10) && plain.totalTimeout == .seconds(60))
    }

    @Test("STARTTLS may be switched off only for a loopback relay")
    func startTLSOffOnLoopbackOnly() throws {
        // Act / check: loopback in every spelling is accepted…
        for url in [
            "smtp://127.0.0.1:2525", "smtp://127.8.9.10", "smtp://localhost:25", "smtp://LOCALHOST", "smtp://[::1]:2525", "smtp://[0:0:0:0:0:0:0:1]",
        ] {
            let configuration = try SMTPConfiguration.parse(url: url, startTLS: false)
            #expect(configuration.security == .plaintext, "\(url)")
        }
        // …anything else is refused with a message naming SMTP_STARTTLS and saying why.
        for url in [
            "smtp://relay.example.net", "smtp://10.0.0.5", "smtp://128.0.0.1", "smtp://[::2]", "smtp://localhost.example.net", "smtp://0.0.0.0",
        ] {
            let error = #expect(throws: MailError.self, "\(url)") { try SMTPConfiguration.parse(url: url, startTLS: false) }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.hasPrefix("SMTP_STARTTLS "), "\(text)")
            #expect(text.contains("unencrypted"), "\(text)")
        }
        // smtps is TLS anyway: the setting does not matter there.
        #expect(try SMTPConfiguration.parse(url: "smtps://relay.example.net", startTLS: false).security == .implicitTLS)
    }

    @Test(
        "malformed URLs are refused naming SMTP_URL, and never repeat the password",
        arguments: [
            "", "relay.example.net", "http://relay.example.net", "smtp://", "smtp://:25", "smtp://relay.example.net:0",
            "smtp://relay.example.net:65536", "smtp://relay.example.net:abc", "smtp://relay example.net",
            "smtp://relay.example.net?x=1", "smtp://relay.example.net#frag", "smtp://[::1", "smtp://[nonsense]:25",
            "smtp://a:b:c", "smtp://:secretpw@relay.example.net", "smtp://user:secret%zz@relay.example.net",
            "smtp://user:secret@relay.example.net/bad path", "smtp://user:secret%00x@relay.example.net", "smtp://rel_ay.example.net",
        ])
    func refused(_ url: String) {
        // Act
        let error = #expect(throws: MailError.self) { try SMTPConfiguration.parse(url: url) }

        // Check
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix("SMTP_URL "), "\(text)")
        #expect(!text.contains("secret"), "\(text)")
    }

    @Test("SMTP_CA_FILE must be readable")
    func caFile() throws {
        // Setup
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("portico-ca-\(UUID().uuidString).pem")
        try Data("pem".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        // Act / check
        #expect(try SMTPConfiguration.parse(url: "smtp://relay.example.net", caFile: file.path).caFile == file.path)
        let error = #expect(throws: MailError.self) { try SMTPConfiguration.parse(url: "smtp://relay.example.net", caFile: "/nonexistent/ca.pem") }
        #expect(error.map { "\($0)" }?.hasPrefix("SMTP_CA_FILE ") == true)
    }

    @Test("printing a configuration never shows the password")
    func redacted() throws {
        // Setup
        let configuration = try SMTPConfiguration.parse(url: "smtp://mailer:hunter2secret@relay.example.net:587")

        // Act
        let texts = ["\(configuration)", String(reflecting: configuration), configuration.description]

        // Check
        #expect(texts.allSatisfy { !$0.contains("hunter2secret") && $0.contains("mailer:***@relay.example.net:587") })
    }
}
