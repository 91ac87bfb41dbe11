import Foundation

/// HTML escaping as swift-mustache's `htmlEscape()`: `<`, `>`, `&`, `"` and `'`, each replaced
/// where it is a whole `Character`. Over bytes: text without any of them is copied as it is; an
/// ASCII special between ASCII bytes (or the ends) is a whole character; only text where one
/// touches a non-ASCII byte (a combining or prepended mark could join it) goes through `Character`s.
enum HTMLEscaping {
    static func append(_ text: String, to output: inout [UInt8]) {
        var text = text
        let done: Bool = text.withUTF8 { bytes in
            var needsEscape = false
            for (index, byte) in bytes.enumerated() where isSpecial(byte) {
                needsEscape = true
                // A combining mark after it, or a prepended mark before it, could make it part of a larger `Character`.
                if index + 1 < bytes.count && bytes[index + 1] >= 0x80 || index > 0 && bytes[index - 1] >= 0x80 { return false }
            }
            guard needsEscape else {
                output.append(contentsOf: bytes)
                return true
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "<"): output.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
                case UInt8(ascii: ">"): output.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
                case UInt8(ascii: "&"): output.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
                case UInt8(ascii: "\""): output.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                case UInt8(ascii: "'"): output.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
                default: output.append(byte)
                }
            }
            return true
        }
        if done { return }
        for character in text {
            switch character {
            case "<": output.append(contentsOf: "&lt;".utf8)
            case ">": output.append(contentsOf: "&gt;".utf8)
            case "&": output.append(contentsOf: "&amp;".utf8)
            case "\"": output.append(contentsOf: "&quot;".utf8)
            case "'": output.append(contentsOf: "&#39;".utf8)
            default: output.append(contentsOf: character.utf8)
            }
        }
    }

    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}
