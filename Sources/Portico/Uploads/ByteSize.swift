import Foundation

enum ByteSize {
    /// "2.5 MB"; in the current language's digits and separators elsewhere ("2,5 MB").
    static func display(_ bytes: Int64) -> String {
        let texts = L10n.texts
        if bytes < 1024 { return "\(bytes) B" }
        if texts.language == .en {
            if bytes < 1024 * 1024 { return String(format: "%.0f KB", Double(bytes) / 1024) }
            return String(format: "%.1f MB", Double(bytes) / 1_048_576)
        }
        if bytes < 1024 * 1024 { return (Double(bytes) / 1024).formatted(.number.precision(.fractionLength(0)).locale(texts.locale)) + " KB" }
        return (Double(bytes) / 1_048_576).formatted(.number.precision(.fractionLength(1)).locale(texts.locale)) + " MB"
    }
}
