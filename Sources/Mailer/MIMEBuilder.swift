/// Builds the RFC 5322 / MIME message that is handed to the SMTP server.
///
/// Our own code rather than libcurl's MIME API, so that the output is fully under our
/// control and testable without a server: CRLF line endings only, every line at most 998
/// octets (header lines 78 where the content allows), bodies in quoted-printable UTF-8,
/// non-ASCII header text in RFC 2047 encoded-words. Every header value is checked, and a
/// CR, LF or NUL in any of them is refused — that is what stops header injection.
///
/// A line starting with "." needs no care here: libcurl dot-stuffs the DATA it sends.
public enum MIMEBuilder {
    /// The full message. Throws `MailError.invalidHeader` naming the header at fault.
    public static func build(_ message: MailMessage) throws -> [UInt8] {
        try build(message, boundary: makeBoundary())
    }

    /// What a transport sends. A message that cannot be built fails the same way on every
    /// attempt, so the failure is permanent: retrying cannot help.
    static func deliveryBytes(_ message: MailMessage) throws -> [UInt8] {
        do {
            return try build(message)
        } catch {
            throw MailDeliveryError.permanent(code: nil, message: "the message cannot be built: \(error)")
        }
    }

    /// As `build(_:)`, with a given multipart boundary (tests rebuild a received message
    /// byte for byte with it).
    static func build(_ message: MailMessage, boundary: String) throws -> [UInt8] {
        var headers = HeaderWriter()
        headers.write("Date", [MailDate.format(message.date)])
        headers.write("From", addressTokens(message.from, header: "From"))
        headers.write("To", addressTokens(message.to, header: "To"))
        if let replyTo = message.replyTo {
            headers.write("Reply-To", addressTokens(replyTo, header: "Reply-To"))
        }
        try HeaderText.requireSingleLine(message.subject, header: "Subject")
        headers.write("Subject", message.subject.isEmpty ? [] : HeaderText.unstructured(message.subject, header: "Subject"))
        try MessageID.validate(message.messageID)
        headers.write("Message-ID", ["<\(message.messageID)>"])
        headers.write("MIME-Version", ["1.0"])
        if let language = message.contentLanguage {
            // A BCP 47 tag: letters, digits and hyphens only, so it cannot carry another header.
            guard !language.isEmpty, language.utf8.count <= 35,
                language.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw MailError.invalidHeader("Content-Language must be a language tag like en or pt-BR")
            }
            headers.write("Content-Language", [language])
        }
        if let url = message.listUnsubscribe {
            try ListUnsubscribe.validate(url)
            headers.write("List-Unsubscribe", ["<\(url)>"])
            if ListUnsubscribe.isHTTPS(url) {
                headers.write("List-Unsubscribe-Post", ["List-Unsubscribe=One-Click"])
            }
        }
        for (name, value) in message.extraHeaders {
            try ExtraHeader.validate(name: name, value: value)
            headers.write(name, value.isEmpty ? [] : HeaderText.unstructured(value, header: name))
        }

        var output = headers.bytes
        let text = QuotedPrintable.encode(message.textBody)
        guard let html = message.htmlBody.map(QuotedPrintable.encode) else {
            output += line("Content-Type: text/plain; charset=utf-8")
            output += line("Content-Transfer-Encoding: quoted-printable")
            output += crlf
            output += text
            // End on a line break without changing the text: a final soft line break.
            if !text.isEmpty, !text.ends(with: crlf) { output += Array("=".utf8) + crlf }
            return output
        }
        assert(!contains(text, boundary) && !contains(html, boundary), "boundary found in a quoted-printable body")
        var contentType = HeaderWriter()
        contentType.write("Content-Type", ["multipart/alternative;", "boundary=\"\(boundary)\""])
        output += contentType.bytes
        output += crlf
        for (body, subtype) in [(text, "plain"), (html, "html")] {
            output += line("--\(boundary)")
            output += line("Content-Type: text/\(subtype); charset=utf-8")
            output += line("Content-Transfer-Encoding: quoted-printable")
            output += crlf
            output += body
            output += crlf  // belongs to the delimiter line that follows (RFC 2046 §5.1.1)
        }
        output += line("--\(boundary)--")
        return output
    }

    /// `=_` can never occur in quoted-printable text (`=` is always followed by hex digits
    /// or a line break there), so a boundary starting with it cannot collide with a body.
    /// The random part keeps it unique anyway, and unguessable.
    static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        return "=_portico_\(random)"
    }

    private static func addressTokens(_ address: MailAddress, header: String) -> [String] {
        guard let name = address.displayName else { return [address.address] }
        return HeaderText.phrase(name, header: header) + ["<\(address.address)>"]
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    private static func line(_ text: String) -> [UInt8] { Array(text.utf8) + crlf }

    private static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
