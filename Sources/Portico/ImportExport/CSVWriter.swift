/// Writes CSV (RFC 4180): every field quoted when needed, CRLF line ends, and cells that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) prefixed
/// with an apostrophe so they stay text.
///
/// The prefix is reversible: a value that already starts with apostrophes before such a
/// character gets one more, and the CSV import (`ImportValue.clean`) takes exactly one off,
/// so every value survives an export and a re-import unchanged.
public enum CSVWriter {
    /// Starts every CSV file: without it Excel on Windows reads UTF-8 as a legacy code page
    /// and garbles accented names. The import skips it (`CSVText`).
    public static let bom = "\u{FEFF}"

    /// The first characters a spreadsheet treats as the start of a formula.
    public static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    public static func row(_ fields: [String]) -> String {
        fields.map(cell).joined(separator: ",") + "\r\n"
    }

    /// Whether `text`, with any leading apostrophes removed, starts like a formula.
    public static func needsPrefix(_ text: Substring.UnicodeScalarView) -> Bool {
        guard let first = text.first(where: { $0 != "'" }) else { return false }
        return formulaStarts.contains(first)
    }

    public static func cell(_ value: String) -> String {
        var text = value
        if needsPrefix(Substring(text).unicodeScalars) {
            text = "'" + text
        }
        // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        if text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix("'") {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}
