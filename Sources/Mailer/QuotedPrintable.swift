/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
///
/// Every line break of the input — CRLF, a lone LF or a lone CR — becomes a CRLF hard
/// line break, so the output holds CRLF only. Encoded lines are at most 76 characters;
/// longer ones get soft line breaks (`=` CRLF) that never split an `=XX` escape.
enum QuotedPrintable {
    static let maximumLineLength = 76

    /// The encoded text. It ends with CRLF exactly when the input ends with a line break.
    static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        var first = true
        for line in hardLines(of: text) {
            if !first { output += crlf }
            first = false
            encodeLine(line, into: &output)
        }
        return output
    }

    /// The input split at its line breaks (CRLF, LF or CR), without them.
    static func hardLines(of text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append(bytes[start..<index])
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var lineLength = 0
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            let isLast = index == line.endIndex - 1
            var literal = isLiteral(byte) || ((byte == 0x20 || byte == 0x09) && !isLast)
            // "From " at the start of a line is mangled by mbox tools; escaping the F keeps
            // the decoded text intact wherever the message ends up.
            if literal, lineLength == 0, byte == UInt8(ascii: "F"), line[index...].starts(with: fromSpace) {
                literal = false
            }
            let width = literal ? 1 : 3
            // Room for a soft break `=` unless this is the line's last character.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if lineLength + width > limit {
                output += [UInt8(ascii: "=")] + crlf
                lineLength = 0
                continue  // re-check at the start of the new line ("From " rule)
            }
            if literal {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
            lineLength += width
            index += 1
        }
    }

    /// RFC 2045 rule 2: printable ASCII except `=` stands for itself.
    private static func isLiteral(_ byte: UInt8) -> Bool {
        (byte >= 33 && byte <= 126) && byte != UInt8(ascii: "=")
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let fromSpace = Array("From ".utf8)
    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
