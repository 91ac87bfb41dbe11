import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

@Suite("MIME builder: structure and headers")
struct MIMEStructureTests {
    @Test("a text + HTML message is multipart/alternative, text first, both parts quoted-printable UTF-8, headers parse back")
    func multipartAlternative() async throws {
        // Setup: a message with a reply-to, unsubscribe link and an extra header.
        let message = try Fixtures.message(
            replyTo: MailAddress("support@acme.example.net", displayName: "Acme Support"),
            listUnsubscribe: "https://acme.example.net/unsubscribe?t=abc123",
            extraHeaders: [(name: "X-Portico-Kind", value: "work-order-approved")]
        )

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check: Python's email package reads it without complaint…
        #expect(parsed.defects.isEmpty)
        #expect(parsed.contentType == "multipart/alternative")
        // …with every header we promised.
        #expect(parsed.value("Date") == "Tue, 07 May 2024 09:30:00 +0000")
        #expect(parsed.value("Message-ID") == "<3f1c9a2e-1b7d-4c55-9a31-5d2f3e4a6b7c@acme.example.net>")
        #expect(parsed.value("MIME-Version") == "1.0")
        #expect(parsed.value("Subject") == "Your work order #1042 was approved")
        #expect(parsed.addresses["from"] == [.init(displayName: "Acme Wireless", address: "portal@acme.example.net")])
        #expect(parsed.addresses["to"] == [.init(displayName: "Ada Lovelace", address: "ada@example.com")])
        #expect(parsed.addresses["reply-to"] == [.init(displayName: "Acme Support", address: "support@acme.example.net")])
        #expect(parsed.value("List-Unsubscribe") == "<https://acme.example.net/unsubscribe?t=abc123>")
        #expect(parsed.value("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        #expect(parsed.value("X-Portico-Kind") == "work-order-approved")
        // Both parts, text first, decoded bodies equal to the input with CRLF line breaks.
        #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
        #expect(parsed.parts.allSatisfy { $0.charset == "utf-8" && $0.transferEncoding == "quoted-printable" && $0.defects.isEmpty })
        #expect(parsed.parts[0].body == Fixtures.crlf(message.textBody))
        #expect(parsed.parts[1].body == Fixtures.crlf(message.htmlBody!))
    }

    @Test("without an HTML body the message is a single text/plain part")
    func textOnly() async throws {
        // Setup
        let message = try Fixtures.message(html: nil)

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check
        #expect(parsed.defects.isEmpty)
        #expect(parsed.contentType == "text/plain")
        #expect(parsed.boundary == nil)
        #expect(parsed.parts.count == 1)
        #expect(parsed.parts[0].body == Fixtures.crlf(message.textBody))
        #expect(parsed.value("List-Unsubscribe") == nil)
        #expect(parsed.value("Reply-To") == nil)
    }

    @Test("each header is written once, in a fixed order, and the output is deterministic apart from the boundary")
    func headerOrder() throws {
        // Setup
        let message = try Fixtures.message(
            replyTo: MailAddress("support@acme.example.net"),
            listUnsubscribe: "mailto:unsubscribe@acme.example.net",
            extraHeaders: [(name: "X-Portico-Kind", value: "a"), (name: "X-Portico-Tenant", value: "acme")]
        )

        // Act
        let first = try MIMEBuilder.build(message, boundary: "=_portico_test")
        let second = try MIMEBuilder.build(message, boundary: "=_portico_test")
        let names = Fixtures.headerLines(first).filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }

        // Check: a mailto: link gets no one-click header (RFC 8058 is for https only).
        #expect(
            names == [
                "Date", "From", "To", "Reply-To", "Subject", "Message-ID", "MIME-Version", "List-Unsubscribe",
                "X-Portico-Kind", "X-Portico-Tenant", "Content-Type",
            ])
        #expect(first == second)
    }

    @Test("the boundary is random, cannot occur in a quoted-printable body, and a body that contains its prefix is safe")
    func boundary() async throws {
        // Setup: bodies that imitate a boundary line.
        let sneaky = "--=_portico_0123456789abcdef0123456789abcdef\n--=_portico_0123456789abcdef0123456789abcdef--\n"
        let message = try Fixtures.message(text: sneaky, html: "<pre>\(sneaky)</pre>")

        // Act
        let bytes1 = try MIMEBuilder.build(message)
        let bytes2 = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes1)
        let parsed2 = try await MIMEInspection.parse(bytes2)

        // Check: two builds, two boundaries; the bodies come back intact.
        let boundary = try #require(parsed.boundary)
        #expect(boundary.hasPrefix("=_portico_") && boundary.count == 42)
        #expect(boundary != parsed2.boundary)
        #expect(parsed.parts.count == 2)
        #expect(parsed.parts[0].body == Fixtures.crlf(sneaky))
        #expect(parsed.parts[1].body == Fixtures.crlf("<pre>\(sneaky)</pre>"))
    }

    @Test("the output has CRLF line endings only and no line longer than 998 octets (78 for headers)")
    func lineDiscipline() throws {
        // Setup: long lines, every kind of line break, a long Unicode subject.
        let long = String(repeating: "0123456789", count: 250)
        let text = "unix\nmac\rwindows\r\n\(long)\n\n" + String(repeating: "ü", count: 1500) + "\r"
        let message = try Fixtures.message(
            subject: String(repeating: "Très long sujet — ", count: 20),
            text: text, html: "<p>\(long)</p>\r\n<p>\(String(repeating: "🚀", count: 600))</p>"
        )

        // Act
        let bytes = try MIMEBuilder.build(message)

        // Check
        let lines = try #require(Fixtures.crlfLines(bytes), "bare CR or LF in the output")
        #expect(lines.allSatisfy { $0.count <= 998 })
        #expect(lines.allSatisfy { $0.count <= 78 })  // QP lines are ≤ 76, header lines folded
        #expect(bytes.allSatisfy { $0 < 0x80 })  // 7-bit clean: no 8BITMIME needed
    }
}
