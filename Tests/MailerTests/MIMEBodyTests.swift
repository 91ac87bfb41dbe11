import Foundation
import PorticoTestSupport
import Testing

@testable import Mailer

@Suite("MIME builder: bodies in quoted-printable")
struct MIMEBodyTests {
    /// Texts that stress the encoder; each must decode back to itself (with CRLF breaks).
    static let bodies: [(String, String)] = [
        ("plain ASCII", "Hello,\nyour appointment is confirmed.\n"),
        ("Unicode and emoji", "Grüße aus Zürich — 東京 — Ελληνικά 🚀👩🏽‍💻🇨🇦\nCafé crème. ½ ≠ ∞\n"),
        ("a line longer than 998 octets", String(repeating: "abcdefghij", count: 150) + "\n" + String(repeating: "é", count: 700)),
        ("lines starting with a dot", ".\n..\n.hidden\n. \nmiddle . line\n.\n"),
        ("mbox From lines", "From here on\nFrom \nFrom:\nFromage\n>From quoted\n"),
        ("trailing spaces and tabs", "space at end \ntab at end\t\n  both \t \n\t\n"),
        ("equals signs and escapes", "a=b, =20, =3D, =\n=\n==\n=?UTF-8?B?Zm9v?=\n"),
        ("every line break style", "lf\ncr\rcrlf\r\nmixed\n\r\n\r\rend"),
        ("no final line break", "last line without newline"),
        ("empty", ""),
        ("control characters and NUL", "bell\u{07} nul\u{00} esc\u{1B} del\u{7F}\n"),
        ("a long line of multi-byte characters", String(repeating: "🇨🇦é日", count: 400)),
        ("a line of exactly 76 characters", String(repeating: "x", count: 76) + "\n" + String(repeating: "y", count: 75) + " \n"),
    ]

    @Test("text and HTML bodies decode back to the input", arguments: bodies.indices)
    func roundTrip(_ index: Int) async throws {
        // Setup
        let (_, text) = Self.bodies[index]
        let message = try Fixtures.message(text: text, html: "<div>\(text)</div>")

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check
        #expect(parsed.defects.isEmpty)
        #expect(parsed.parts.count == 2)
        #expect(parsed.parts[0].body == Fixtures.crlf(text))
        #expect(parsed.parts[1].body == Fixtures.crlf("<div>\(text)</div>"))
        let lines = try #require(Fixtures.crlfLines(bytes))
        #expect(lines.allSatisfy { $0.count <= 78 })
    }

    @Test("a single-part body decodes back exactly, with or without a final line break", arguments: bodies.indices)
    func singlePartRoundTrip(_ index: Int) async throws {
        // Setup
        let (_, text) = Self.bodies[index]
        let message = try Fixtures.message(text: text, html: nil)

        // Act
        let bytes = try MIMEBuilder.build(message)
        let parsed = try await MIMEInspection.parse(bytes)

        // Check: the message itself ends with CRLF even when the text does not.
        #expect(parsed.parts.count == 1)
        #expect(parsed.parts[0].body == Fixtures.crlf(text))
        #expect(Fixtures.crlfLines(bytes) != nil)
    }

    @Test("quoted-printable lines are at most 76 characters and never split an =XX escape")
    func softLineBreaks() throws {
        // Setup: a long line mixing 1- and 3-character encodings.
        let text = String(repeating: "aé=b ", count: 200)

        // Act
        let encoded = QuotedPrintable.encode(text)
        let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")

        // Check: every line but the last ends with a soft break; escapes are whole.
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        for line in lines {
            let body = line.hasSuffix("=") ? line.dropLast() : Substring(line)
            var index = body.startIndex
            while let equals = body[index...].firstIndex(of: "=") {
                let escape = body[equals...].prefix(3)
                #expect(escape.count == 3 && escape.dropFirst().allSatisfy(\.isHexDigit), "split escape in \(line)")
                index = body.index(equals, offsetBy: min(3, body.distance(from: equals, to: body.endIndex)))
            }
        }
    }

    @Test("quoted-printable escapes what RFC 2045 requires and the From-line convention, and leaves dots alone")
    func escapingRules() {
        // Act / check: =, trailing white space, 8-bit octets and controls are escaped.
        #expect(QuotedPrintable.encode("a=b") == Array("a=3Db".utf8))
        #expect(QuotedPrintable.encode("end \nx\t") == Array("end=20\r\nx=09".utf8))
        #expect(QuotedPrintable.encode("mid space") == Array("mid space".utf8))
        #expect(QuotedPrintable.encode("é") == Array("=C3=A9".utf8))
        #expect(QuotedPrintable.encode("\u{00}\u{7F}") == Array("=00=7F".utf8))
        #expect(QuotedPrintable.encode("From me\nFrom") == Array("=46rom me\r\nFrom".utf8))
        #expect(QuotedPrintable.encode(".\n..x") == Array(".\r\n..x".utf8))
        #expect(QuotedPrintable.encode("a\r\n") == Array("a\r\n".utf8))
    }

    @Test("a 200 KB body is encoded in reasonable time and decodes back intact")
    func largeBody() async throws {
        // Setup: 200 KB of varied lines.
        var text = ""
        var line = 0
        while text.utf8.count < 200_000 {
            line += 1
            text += line % 7 == 0 ? ".dot line \(line)\n" : "Line \(line): Grüße 🚀 \(String(repeating: "x", count: line % 120))\n"
        }
        let message = try Fixtures.message(text: text, html: nil)

        // Act
        let clock = ContinuousClock()
        var bytes: [UInt8] = []
        let elapsed = try clock.measure { bytes = try MIMEBuilder.build(message) }
        let parsed = try await MIMEInspection.parse(bytes)

        // Check
        #expect(elapsed < .seconds(5))
        #expect(parsed.parts[0].body == Fixtures.crlf(text))
    }
}
