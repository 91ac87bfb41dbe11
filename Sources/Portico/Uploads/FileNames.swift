import Foundation

/// File names from clients, made safe to show and to send back in `Content-Disposition`.
/// They are only ever labels: storage uses server-generated keys.
public enum FileNames {
    public static let maximumBytes = 255

    /// The last path component, without control characters, bidirectional overrides or line
    /// separators, NFC-normalised, trimmed, and at most 255 UTF-8 bytes with the extension
    /// kept. Letters of every script survive. Empty, `.` and `..` become `fallback`.
    public static func sanitize(_ raw: String, fallback: String = "file") -> String {
        // Browsers send a bare name, but old ones sent C:\path\name and tools send a/b/name.
        let visible = String(String.UnicodeScalarView(raw.unicodeScalars.filter { !isUnsafe($0) }))
        let components = visible.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        var name = String(components.last ?? "")
        name = name.precomposedStringWithCanonicalMapping
        name = name.trimmingCharacters(in: .whitespaces)
        // Windows drops trailing dots and spaces; a name that ends in one would change on download.
        while let last = name.last, last == "." || last == " " { name.removeLast() }
        if name.isEmpty || name == "." || name == ".." { return fallback }
        return truncated(name, toBytes: maximumBytes)
    }

    /// C0 and C1 controls (CR, LF, NUL, TAB…), bidirectional embeddings and overrides
    /// (U+202E makes `photo<U+202E>gpj.exe` display as `photoexe.jpg`), line and paragraph separators and
    /// the byte-order mark.
    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: true
        case 0x2028, 0x2029, 0xFEFF: true
        default: false
        }
    }

    /// Shortens the part before the extension, on a character boundary, until the whole name fits.
    static func truncated(_ name: String, toBytes limit: Int) -> String {
        guard name.utf8.count > limit else { return name }
        var stem = Substring(name)
        var suffix = Substring("")
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, name[dot...].utf8.count <= 16 {
            stem = name[..<dot]
            suffix = name[dot...]
        }
        let budget = limit - suffix.utf8.count
        var kept = ""
        var used = 0
        for character in stem {
            let size = character.utf8.count
            guard used + size <= budget else { break }
            kept.append(character)
            used += size
        }
        return kept + suffix
    }

    public enum Disposition: String, Sendable {
        case attachment, inline
    }

    /// A `Content-Disposition` value per RFC 6266: a quoted ASCII `filename` for old clients and
    /// `filename*=UTF-8''…` with the real name for everyone else.
    public static func contentDisposition(_ disposition: Disposition, fileName: String) -> String {
        let name = sanitize(fileName)
        return "\(disposition.rawValue); filename=\"\(asciiFallback(name))\"; filename*=UTF-8''\(percentEncoded(name))"
    }

    /// Accents dropped where that leaves ASCII, anything else non-ASCII as `_`; no `"`, `\`
    /// or `%` (which some clients would decode).
    static func asciiFallback(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isASCII {
                result.append(character == "\"" || character == "\\" || character == "%" ? "_" : character)
                continue
            }
            let folded = String(character).folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
            if folded.allSatisfy(\.isASCII), !folded.isEmpty, !folded.contains(where: { $0 == "\"" || $0 == "\\" || $0 == "%" }) {
                result += folded
            } else {
                result.append("_")
            }
        }
        return result
    }

    /// RFC 8187 `value-chars`: attr-char as is, every other UTF-8 byte as `%XX`.
    static func percentEncoded(_ name: String) -> String {
        let attrChars = Set("!#$&+-.^_`|~".utf8)
        var result = ""
        for byte in name.utf8 {
            let isAlphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            if isAlphanumeric || attrChars.contains(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += byte < 0x10 ? "%0\(hex)" : "%\(hex)"
            }
        }
        return result
    }
}
