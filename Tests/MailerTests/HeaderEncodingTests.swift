import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

@Suite("MIME builder: header encoding and folding")
struct HeaderEncodingTests {
    static let subjects: [String] = [
        "Plain ASCII subject",
        "Réservation confirmée pour le 14 mai",
        "Ваша заявка одобрена",
        "🚀 Launch day! 👩🏽‍💻 Family: 👨‍👩‍👧‍👦 Flag: 🇨🇦",
        "日本語の件名はとても長くなることがありますので、正しく折り返されることを確認します。何度も繰り返します。何度も繰り返します。",
        String(repeating: "A long ASCII subject that must be folded across lines ", count: 6),
        "Looks like =?UTF-8?B?Zm9v?= an encoded word",
        "  leading and trailing spaces  ",
        "double  spaces   inside",
        "tab\tinside",
        "https://acme.example.net/" + String(repeating: "very-long-path-segment/", count: 8),
        "",
        "x",
        "Mix of ASCII and ü at the very end of a rather long subject line that goes on ü",
    ]

    @Test("subjects decode back exactly and no header line exceeds 78 characters", arguments: subjects)
    func subjectRoundTrip(_ subject: String) async throws {
        // Setup
        let message = try Fixtures.message(subject: subject)

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check
        #expect(parsed.defects.isEmpty)
        #expect(parsed.value("Subject") == subject)
        #expect(Fixtures.headerLines(bytes).allSatisfy { $0.utf8.count <= 78 })
    }

    static let displayNames: [String] = [
        "Ada Lovelace",
        "Lovelace, Ada",
        "Ada \"The Countess\" Lovelace",
        "J. R. Smith (billing)",
        "back\\slash",
        "Zoë Müller",
        "Акме Беспроводная",
        "Acme 🚀 Wireless",
        "user@example.com",
        "<admin@acme.example.net>",
        "=?UTF-8?B?Zm9v?=",
        "Name; with: specials [and] more",
        String(repeating: "Very Long Company Name Incorporated ", count: 5),
        String(repeating: "Überlange Firmenbezeichnung ", count: 6),
        String(repeating: "x", count: 120),
    ]

    @Test("display names with specials are quoted, non-ASCII ones encoded, and both decode back", arguments: displayNames)
    func displayNameRoundTrip(_ name: String) async throws {
        // Setup: the name on From, To and Reply-To.
        let address = try MailAddress("someone@example.com", displayName: name)
        let message = try Fixtures.message(from: address, to: address, replyTo: address)

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check: the address is never confused with something inside the name.
        #expect(parsed.defects.isEmpty)
        for header in ["from", "to", "reply-to"] {
            let mailboxes = try #require(parsed.addresses[header])
            #expect(mailboxes.count == 1)
            #expect(mailboxes.first?.address == "someone@example.com")
            #expect(mailboxes.first?.rfc2047DisplayName == name)
        }
        // Python 3.11's modern parser gets adjacent encoded-words wrong (it keeps the space
        // between them); where the name needed only one, it must agree too.
        let fromHeader = Fixtures.headerLines(bytes).drop { !$0.hasPrefix("From:") }.prefix { !$0.hasPrefix("To:") }.joined()
        if !fromHeader.contains("?= =?") {
            #expect(parsed.addresses["from"]?.first?.displayName == name)
        }
        #expect(Fixtures.headerLines(bytes).allSatisfy { $0.utf8.count <= 78 })
    }

    @Test("the forms chosen: atoms plain, specials quoted, non-ASCII as RFC 2047 B encoded-words of at most 75 characters")
    func encodingChoices() throws {
        // Act
        let plain = HeaderText.phrase("Ada Lovelace", header: "From")
        let quoted = HeaderText.phrase("Lovelace, Ada \"Countess\"", header: "From")
        let encoded = HeaderText.phrase("Zoë", header: "From")
        let words = HeaderText.unstructured(String(repeating: "é", count: 200), header: "Subject")

        // Check
        #expect(plain == ["Ada", "Lovelace"])
        #expect(quoted.joined(separator: " ") == "\"Lovelace, Ada \\\"Countess\\\"\"")
        #expect(encoded == ["=?UTF-8?B?Wm/Dqw==?="])
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
    }

    @Test("a header folds only between words and never leaves a line of only white space")
    func folding() {
        // Setup
        var writer = HeaderWriter()

        // Act
        writer.write("Subject", HeaderText.unstructured(String(repeating: "word  ", count: 40) + "end", header: "Subject"))
        let lines = String(decoding: writer.bytes, as: UTF8.self).components(separatedBy: "\r\n").dropLast()

        // Check: unfolding (removing the CRLFs) gives the original back.
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 && !$0.allSatisfy { $0 == " " } })
        #expect(lines.joined() == "Subject: " + String(repeating: "word  ", count: 40) + "end")
    }

    @Test("the Date header is RFC 5322 in UTC whatever the local time zone")
    func date() {
        // Act / check
        #expect(MailDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailDate.format(Fixtures.date) == "Tue, 07 May 2024 09:30:00 +0000")
        #expect(MailDate.format(Date(timeIntervalSince1970: 1_709_210_096.9)) == "Thu, 29 Feb 2024 12:34:56 +0000")
        #expect(MailDate.compact(Fixtures.date) == "20240507T093000Z")
    }

    @Test("non-ASCII extra header values are encoded and decode back; List-Unsubscribe-Post only for https")
    func extraHeaders() async throws {
        // Setup
        let message = try Fixtures.message(
            listUnsubscribe: "http://acme.example.net/u/1",
            extraHeaders: [(name: "X-Portico-Tenant", value: "Zürich Wireless"), (name: "X-Empty", value: "")]
        )

        // Act
        let parsed = try await MIMEInspection.parse(try MIMEBuilder.build(message))

        // Check
        #expect(parsed.value("X-Portico-Tenant") == "Zürich Wireless")
        #expect(parsed.value("X-Empty") == "")
        #expect(parsed.value("List-Unsubscribe") == "<http://acme.example.net/u/1>")
        #expect(parsed.value("List-Unsubscribe-Post") == nil)
    }
}

@Suite("MIME builder: Content-Language")
struct ContentLanguageTests {
    @Test("a language tag is written as Content-Language; none, none; anything else is refused")
    func contentLanguage() async throws {
        var message = try Fixtures.message(subject: "Confirma tu correo")
        #expect(!String(decoding: try MIMEBuilder.build(message), as: UTF8.self).contains("Content-Language"))

        message.contentLanguage = "pt-BR"
        let headers = String(decoding: try MIMEBuilder.build(message), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        #expect(headers.components(separatedBy: "\r\n").contains("Content-Language: pt-BR"))

        for bad in ["", "es\r\nBcc: x@evil.example", "fr;q=1", String(repeating: "a", count: 40)] {
            message.contentLanguage = bad
            #expect(throws: MailError.self) { try MIMEBuilder.build(message) }
        }
    }
}
