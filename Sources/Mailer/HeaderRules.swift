/// Checks for the header values that are written as they are (no encoding possible).

enum MessageID {
    /// `id-left@id-right` of RFC 5322 §3.6.4 in its dot-atom form, without angle brackets.
    static func validate(_ id: String) throws {
        func refuse(_ why: String) -> MailError {
            .invalidHeader("Message-ID \(escapedForMessage(id)) \(why)")
        }
        try HeaderText.requireSingleLine(id, header: "Message-ID")
        guard !id.hasPrefix("<"), !id.hasSuffix(">") else { throw refuse("must be given without angle brackets") }
        guard id.utf8.count <= 250 else { throw refuse("is longer than 250 characters") }
        let parts = id.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else { throw refuse("must look like id@domain") }
        for part in parts {
            guard part.unicodeScalars.allSatisfy({ HeaderText.isAtext($0) || $0 == "." }),
                part.first != ".", part.last != ".", !part.contains("..")
            else { throw refuse("may only hold letters, digits, single dots and RFC 5322 atext symbols") }
        }
    }
}

enum ListUnsubscribe {
    static let allowedSchemes = ["https:", "http:", "mailto:"]

    static func validate(_ url: String) throws {
        func refuse(_ why: String) -> MailError {
            .invalidHeader("List-Unsubscribe URL \(escapedForMessage(url)) \(why)")
        }
        try HeaderText.requireSingleLine(url, header: "List-Unsubscribe")
        guard allowedSchemes.contains(where: { url.lowercased().hasPrefix($0) }) else {
            throw refuse("must be an https:, http: or mailto: URL")
        }
        // It is written unencoded inside <…>: printable ASCII without spaces, brackets or
        // commas (which separate URLs in this header).
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: ",") }) else {
            throw refuse("must be printable ASCII without spaces, angle brackets or commas (percent-encode them)")
        }
        guard url.utf8.count <= 900 else { throw refuse("is longer than 900 characters") }
    }

    static func isHTTPS(_ url: String) -> Bool { url.lowercased().hasPrefix("https:") }
}

enum ExtraHeader {
    /// Written by the builder itself or not supported (a second From, a Bcc…): an extra
    /// header with one of these names would contradict or smuggle in addressing.
    static let reservedNames: Set<String> = [
        "date", "from", "to", "cc", "bcc", "reply-to", "sender", "subject", "message-id",
        "mime-version", "list-unsubscribe", "list-unsubscribe-post", "return-path",
        "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc", "resent-message-id",
    ]

    static func validate(name: String, value: String) throws {
        // RFC 5322 §3.6.8: printable ASCII except the colon.
        guard !name.isEmpty, name.utf8.count <= 76,
            name.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") })
        else {
            throw MailError.invalidHeader(
                "extra header name \(escapedForMessage(name)) is not an RFC 5322 field name (1–76 printable ASCII characters, no colon or space)")
        }
        let lowered = name.lowercased()
        guard !reservedNames.contains(lowered), !lowered.hasPrefix("content-") else {
            throw MailError.invalidHeader("extra header \(name) is written by the MIME builder or not allowed; set it through MailMessage")
        }
        try HeaderText.requireSingleLine(value, header: name)
    }
}
