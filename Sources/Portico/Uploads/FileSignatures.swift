import Foundation

/// Recognising a file by its first bytes ("magic numbers"), independent of its name.
enum FileSignatures {
    /// How many leading bytes `detect` wants; fewer is fine when the file is shorter.
    static let sniffLength = 1024

    static func detect(_ head: [UInt8]) -> FileKind? {
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if isHEIC(head) { return .heic }
        if head.count >= 12, head.starts(with: ascii("RIFF")), Array(head[8..<12]) == ascii("WEBP") { return .webp }
        if head.starts(with: ascii("%PDF-")) { return .pdf }
        if isDWG(head) { return .dwg }
        if isDXF(head) { return .dxf }
        if head.starts(with: [0x00, 0x00, 0x01, 0x00]) && head.count >= 6 && head[4] > 0 { return .ico }
        if isSVG(head) { return .svg }
        return nil
    }

    /// XML text whose first element is `<svg` (after an optional BOM, XML declaration and
    /// comments). Whether it is *safe* is `SVGSanitizer`'s question.
    private static func isSVG(_ head: [UInt8]) -> Bool {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(bytes: bytes, encoding: .utf8) ?? String(bytes: bytes.dropLast(3), encoding: .utf8) else { return false }
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<") else { return false }
        return text.range(of: "<svg", options: .caseInsensitive) != nil
    }

    /// ISO BMFF: a `ftyp` box first, with a HEIF major brand.
    private static let heicBrands: Set<[UInt8]> = Set(["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1"].map(ascii))

    private static func isHEIC(_ head: [UInt8]) -> Bool {
        guard head.count >= 12, Array(head[4..<8]) == ascii("ftyp") else { return false }
        return heicBrands.contains(Array(head[8..<12]))
    }

    /// `AC1001` … `AC1032`: the release code AutoCAD writes at offset 0.
    private static func isDWG(_ head: [UInt8]) -> Bool {
        guard head.count >= 6, head.starts(with: ascii("AC10")) else { return false }
        let digits = head[4..<6]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        let version = Int(digits.first! - UInt8(ascii: "0")) * 10 + Int(digits.last! - UInt8(ascii: "0"))
        return version <= 32
    }

    /// Binary DXF has its own sentinel. ASCII DXF is group-code / value line pairs and starts
    /// with `0` / `SECTION`, possibly after blank lines and `999` comment pairs (LibreCAD and
    /// others write one).
    private static func isDXF(_ head: [UInt8]) -> Bool {
        if head.starts(with: ascii("AutoCAD Binary DXF")) { return true }
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { line in String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }[...]
        while let first = lines.first, first.isEmpty { lines = lines.dropFirst() }
        while lines.count >= 2 {
            let code = lines[lines.startIndex]
            let value = lines[lines.startIndex + 1]
            if code == "999" {
                lines = lines.dropFirst(2)
                continue
            }
            return code == "0" && value == "SECTION"
        }
        return false
    }

    /// Common formats we do not accept, named (in the current language) so a refusal can say what
    /// the file really is.
    static func describeOther(_ head: [UInt8]) -> String? {
        if head.starts(with: ascii("MZ")) { return other("windowsProgram") }
        if head.starts(with: [0x7F] + ascii("ELF")) { return other("program") }
        if head.starts(with: ascii("#!")) { return other("script") }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return other("zip") }
        if head.starts(with: ascii("Rar!")) { return other("rar") }
        if head.starts(with: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return other("sevenZip") }
        if head.starts(with: ascii("GIF8")) { return other("gif") }
        if head.starts(with: ascii("II*\0")) || head.starts(with: ascii("MM\0*")) { return other("tiff") }
        if head.count >= 12, Array(head[4..<8]) == ascii("ftyp") {
            let brand = Array(head[8..<12])
            if brand == ascii("avif") || brand == ascii("avis") { return other("avif") }
            return other("media")
        }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { return other("oldOffice") }
        let text = String(decoding: head.prefix(256), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if text.hasPrefix("<!doctype html") || text.hasPrefix("<html") { return other("webPage") }
        if text.hasPrefix("<svg") || (text.hasPrefix("<?xml") && text.contains("<svg")) { return FileKind.svg.describedContent }
        return nil
    }

    /// "a RAR archive", in the current language.
    private static func other(_ name: String) -> String { L10n.t("uploads.other.\(name)") }

    private static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
}
