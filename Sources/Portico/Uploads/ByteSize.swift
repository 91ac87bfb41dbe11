import Foundation

enum ByteSize {
    /// "2.5 MB"; in the current language's digits, separators and units elsewhere ("2,5 Mo").
    static func display(_ bytes: Int64) -> String {
        let texts = L10n.texts
        if bytes < 1024 { return "\(bytes) B" }
        if texts.language == .en {
            if bytes < 1024 * 1024 { return texts("uploads.size.kilobytes", ["n": String(format: "%.0f", Double(bytes) / 1024)]) }
            return texts("uploads.size.megabytes", ["n": String(format: "%.1f", Double(bytes) / 1_048_576)])
        }
        if bytes < 1024 * 1024 {
            return texts(
                "uploads.size.kilobytes", ["n": (Double(bytes) / 1024).formatted(.number.precision(.fractionLength(0)).locale(texts.locale))])
        }
        return texts(
            "uploads.size.megabytes", ["n": (Double(bytes) / 1_048_576).formatted(.number.precision(.fractionLength(1)).locale(texts.locale))])
    }
}
