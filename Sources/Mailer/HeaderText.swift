import Foundation

/// Turns header values into header tokens: plain ASCII when that is safe, RFC 2047
/// encoded-words (`=?UTF-8?B?…?=`) otherwise. `HeaderWriter` then joins the tokens with
/// single spaces, folding between them.
enum HeaderText {
    /// RFC 2047 §2: an encoded-word is at most 75 characters.
    static let maximumEncodedWordLength = 75
    static let encodedWordOverhead = "=?UTF-8?B??=".utf8.count

    static func containsLineBreakOrNUL(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }

    /// Every octet is printable ASCII or a space.
    static func isPrintableASCII(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// Throws unless `value` can go into header `name`: no CR, LF or NUL.
    static func requireSingleLine(_ value: String, header name: String) throws {
        if containsLineBreakOrNUL(value) {
            throw MailError.invalidHeader("\(name) value \(escapedForMessage(value)) contains CR, LF or NUL")
        }
    }

    /// Tokens for unstructured text (Subject, extra headers). Plain words when the text is
    /// printable ASCII that survives folding and unfolding unchanged and has no word too
    /// long to fit a line; encoded-words otherwise.
    static func unstructured(_ value: String, header name: String) -> [String] {
        if isPrintableASCII(value[...]), !value.contains("=?"), value.first != " ", value.last != " " {
            let words = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if words.allSatisfy({ $0.utf8.count < HeaderWriter.preferredLineLength }) { return words }
        }
        return encodedWords(value, header: name)
    }

    /// Tokens for a display name (an RFC 5322 phrase): atoms when it is made of them,
    /// a quoted-string when it holds specials, encoded-words when it is not ASCII.
    static func phrase(_ value: String, header name: String) -> [String] {
        guard isPrintableASCII(value[...]), !value.contains("=?") else { return encodedWords(value, header: name) }
        let words = value.split(separator: " ", omittingEmptySubsequences: false)
        let atoms = words.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy(isAtext) }
        let tokens: [String]
        if atoms {
            tokens = words.map(String.init)
        } else {
            // A quoted-string may be folded at its spaces (RFC 5322 §3.2.4: FWS inside qcontent).
            var quoted = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted += "\\" }
                quoted.unicodeScalars.append(scalar)
            }
            quoted += "\""
            tokens = quoted.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        }
        guard tokens.allSatisfy({ $0.utf8.count < HeaderWriter.preferredLineLength }) else {
            return encodedWords(value, header: name)
        }
        return tokens
    }

    /// RFC 2047 B encoded-words of UTF-8, each ≤ 75 characters and holding whole
    /// characters (whole grapheme clusters where one fits), the first sized to fit on the
    /// header's first line.
    static func encodedWords(_ value: String, header name: String) -> [String] {
        let firstLineRoom = HeaderWriter.preferredLineLength - name.utf8.count - 2
        let firstLimit = payloadBytes(forWordLength: min(maximumEncodedWordLength, firstLineRoom))
        let limit = payloadBytes(forWordLength: maximumEncodedWordLength)
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        var currentLimit = firstLimit >= 12 ? firstLimit : limit

        func flush() {
            if !current.isEmpty { chunks.append(current) }
            current = []
            currentLimit = limit
        }
        for character in value {
            let bytes = Array(String(character).utf8)
            if current.count + bytes.count <= currentLimit {
                current += bytes
                continue
            }
            flush()
            if bytes.count <= currentLimit {
                current = bytes
                continue
            }
            // A grapheme cluster too long for one word (long combining sequences): split it
            // between its Unicode scalars, which each fit.
            for scalar in character.unicodeScalars {
                let scalarBytes = Array(String(scalar).utf8)
                if current.count + scalarBytes.count > currentLimit { flush() }
                current += scalarBytes
            }
        }
        flush()
        if chunks.isEmpty { chunks = [[]] }
        return chunks.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }
    }

    /// How many payload octets fit an encoded-word of at most `length` characters.
    private static func payloadBytes(forWordLength length: Int) -> Int {
        max(0, (length - encodedWordOverhead) / 4) * 3
    }

    /// RFC 5322 atext: what an atom is made of.
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCIILetter || scalar.isASCIIDigit { return true }
        return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
    }
}
