import Foundation

@testable import Mailer

/// Messages and checks shared by the Mailer tests.
enum Fixtures {
    static let date = Date(timeIntervalSince1970: 1_715_074_200)  // Tue, 07 May 2024 09:30:00 +0000

    static func message(
        subject: String = "Your work order #1042 was approved",
        text: String = "Hello Ada,\n\nYour work order was approved.\n",
        html: String? = "<p>Hello Ada,</p>\n<p>Your work order was approved.</p>\n",
        from: MailAddress? = nil,
        to: MailAddress? = nil,
        replyTo: MailAddress? = nil,
        listUnsubscribe: String? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) throws -> MailMessage {
        MailMessage(
            from: try from ?? MailAddress("portal@acme.example.net", displayName: "Acme Wireless"),
            to: try to ?? MailAddress("ada@example.com", displayName: "Ada Lovelace"),
            replyTo: replyTo,
            subject: subject,
            textBody: text,
            htmlBody: html,
            messageID: "3f1c9a2e-1b7d-4c55-9a31-5d2f3e4a6b7c@acme.example.net",
            date: date,
            listUnsubscribe: listUnsubscribe,
            extraHeaders: extraHeaders
        )
    }

    /// `text` with every line break (LF, CR, CRLF) as CRLF: what a decoded body must equal.
    static func crlf(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                output += [0x0D, 0x0A]
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    /// The lines of a message split at CRLF; nil if a bare CR or LF occurs anywhere, or the
    /// message does not end with CRLF.
    static func crlfLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>]? {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { return nil }
                lines.append(bytes[start..<index])
                index += 2
                start = index
            case 0x0A:
                return nil
            default:
                index += 1
            }
        }
        return start == bytes.count ? lines : nil
    }

    /// The header block's lines (up to the first empty line).
    static func headerLines(_ bytes: [UInt8]) -> [String] {
        guard let lines = crlfLines(bytes) else { return [] }
        return lines.prefix { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
    }
}
