/// Writes CSV (RFC 4180): every field quoted when needed, CRLF line ends, and cells that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) prefixed
/// with an apostrophe so they stay text.
public enum CSVWriter {
    public static func row(_ fields: [String]) -> String {
        fields.map(cell).joined(separator: ",") + "\r\n"
    }

    public static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix("'") {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}
