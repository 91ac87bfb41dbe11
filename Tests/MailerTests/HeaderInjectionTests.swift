import Foundation
import Testing

@testable import Mailer

@Suite("MIME builder: header injection and invalid values are refused")
struct HeaderInjectionTests {
    static let breaks: [String] = ["\r\n", "\n", "\r", "\0"]

    @Test("CR, LF or NUL in the subject is refused, naming the Subject header", arguments: breaks)
    func subject(_ lineBreak: String) throws {
        // Setup
        let message = try Fixtures.message(subject: "Hello\(lineBreak)Bcc: victim@example.com")

        // Act
        let error = #expect(throws: MailError.self) { try MIMEBuilder.build(message) }

        // Check
        #expect(error.map { "\($0)" }?.contains("Subject") == true)
        #expect(error.map { "\($0)" }?.contains("\n") == false)  // the message itself is one line
    }

    @Test("CR, LF or NUL in a display name or address is refused when the address is made", arguments: breaks)
    func addresses(_ lineBreak: String) {
        // Act / check
        let name = #expect(throws: MailError.self) { try MailAddress("ada@example.com", displayName: "Ada\(lineBreak)Bcc: x@y.z") }
        #expect(name.map { "\($0)" }?.contains("display name") == true)
        let address = #expect(throws: MailError.self) { try MailAddress("ada@example.com\(lineBreak)Bcc: x@y.z") }
        #expect(address.map { "\($0)" }?.contains("contains CR, LF or NUL") == true)
    }

    @Test("CR, LF or NUL in an extra header, the Message-ID or List-Unsubscribe is refused, naming the header", arguments: breaks)
    func otherHeaders(_ lineBreak: String) throws {
        // Setup
        var extra = try Fixtures.message(extraHeaders: [(name: "X-Portico-Kind", value: "a\(lineBreak)Bcc: x@y.z")])
        var messageID = try Fixtures.message()
        messageID.messageID = "abc\(lineBreak)@acme.example.net"
        let unsubscribe = try Fixtures.message(listUnsubscribe: "https://acme.example.net/u\(lineBreak)Bcc: x@y.z")
        var headerName = try Fixtures.message()
        headerName.extraHeaders = [(name: "X-Evil\(lineBreak)Bcc", value: "x@y.z")]

        // Act / check
        for (message, header) in [
            (extra, "X-Portico-Kind"), (messageID, "Message-ID"), (unsubscribe, "List-Unsubscribe"), (headerName, "extra header name"),
        ] {
            let error = #expect(throws: MailError.self) { try MIMEBuilder.build(message) }
            #expect(error.map { "\($0)" }?.contains(header) == true, "\(header): \(String(describing: error))")
        }
        extra.extraHeaders = []
        #expect(throws: Never.self) { try MIMEBuilder.build(extra) }
    }

    @Test("extra headers may not replace addressing or MIME headers, and names must be RFC 5322 field names")
    func extraHeaderNames() throws {
        // Act / check
        for name in [
            "From", "to", "BCC", "Cc", "Subject", "Message-ID", "Content-Type", "content-transfer-encoding", "MIME-Version", "Sender", "Return-Path",
        ] {
            let message = try Fixtures.message(extraHeaders: [(name: name, value: "x@example.com")])
            #expect(throws: MailError.self, "\(name)") { try MIMEBuilder.build(message) }
        }
        for name in ["", "X Portico", "X-Portico:", "X-Pörtico", String(repeating: "X", count: 77)] {
            let message = try Fixtures.message(extraHeaders: [(name: name, value: "v")])
            #expect(throws: MailError.self, "\(name)") { try MIMEBuilder.build(message) }
        }
    }

    @Test("Message-ID and List-Unsubscribe must have a shape that can be written as it is")
    func shapes() throws {
        // Act / check
        for id in [
            "<abc@acme.example.net>", "a..b@acme.example.net", ".a@acme.example.net", "no-at-sign", "two@at@signs", "@acme.example.net", "abc@",
            "sp ace@acme.example.net", "ü@acme.example.net",
        ] {
            var message = try Fixtures.message()
            message.messageID = id
            #expect(throws: MailError.self, "\(id)") { try MIMEBuilder.build(message) }
        }
        for url in ["javascript:alert(1)", "https://acme.example.net/a b", "https://acme.example.net/<x>", "https://a/b,c", "https://ü.example"] {
            let message = try Fixtures.message(listUnsubscribe: url)
            #expect(throws: MailError.self, "\(url)") { try MIMEBuilder.build(message) }
        }
    }
}

@Suite("Mail addresses")
struct MailAddressTests {
    @Test("ordinary addresses are accepted as they are; an empty display name counts as none")
    func accepted() throws {
        // Act / check
        for address in [
            "ada@example.com", "first.last+tag@sub.example.co.uk", "o'brien@example.ie", "x@localhost", "user_%!#$&*=?^`{|}~-@xn--bcher-kva.example",
        ] {
            #expect(try MailAddress(address).address == address)
        }
        #expect(try MailAddress("ada@example.com", displayName: "").displayName == nil)
        #expect(try MailAddress("ada@example.com", displayName: "Ada").description == "Ada <ada@example.com>")
    }

    @Test(
        "malformed addresses are refused with a message saying why",
        arguments: [
            ("", "empty"),
            ("no-at-sign", "exactly one @"),
            ("two@@example.com", "exactly one @"),
            ("@example.com", "before and after"),
            ("ada@", "before and after"),
            ("ada lovelace@example.com", "space"),
            ("<ada@example.com>", "angle bracket"),
            ("ada@example.com>", "angle bracket"),
            ("\"quoted\"@example.com", "atext"),
            ("ada@exa mple.com", "space"),
            ("ada@-example.com", "domain"),
            ("ada@example..com", "domain"),
            ("zoë@example.com", "non-ASCII"),
            ("ada@bücher.example", "non-ASCII"),
            ("ada\t@example.com", "control"),
            (String(repeating: "a", count: 65) + "@example.com", "local part longer"),
            (
                "a@" + String(repeating: "b", count: 60) + "." + String(repeating: "c", count: 60) + "." + String(repeating: "d", count: 60) + "."
                    + String(repeating: "e", count: 70) + ".com", "254"
            ),
        ])
    func refused(_ address: String, _ reason: String) {
        // Act
        let error = #expect(throws: MailError.self) { try MailAddress(address) }

        // Check
        #expect(error.map { "\($0)" }?.contains(reason) == true, "\(String(describing: error))")
    }
}
