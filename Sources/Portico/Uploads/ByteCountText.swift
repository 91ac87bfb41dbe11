import Foundation

/// Sizes in words, in the current language's digits, separators and units ("2,5 Mo"). One unit
/// choice and one wording (`uploads.size.*`) under two roundings, each kept as pages show it:
/// `describe` for limits, exact ("15 MB", "1.5 MB", "1000 bytes"), and `display` for files,
/// rounded ("2.5 MB", "10 KB", "900 B").
enum ByteCountText {
    static let kilobyte = 1024
    static let megabyte = 1024 * 1024

    /// "15 MB", "1.5 MB", "64 KB", "900 bytes" (binary units, as the limits are set), in the
    /// current language ("1,5 Mo").
    static func describe(_ bytes: Int) -> String {
        let texts = L10n.texts
        guard let unit = Unit(Int64(bytes)) else {
            // Plain digits, as the limits are written in configuration: "1000 bytes".
            return texts.plural("uploads.size.bytes", count: bytes, ["n": "\(bytes)"])
        }
        return unit.text(exactAmount(bytes, unit: unit.size, texts), texts)
    }

    /// A file's size: "2.5 MB" (megabytes to one decimal), "10 KB" (whole kilobytes), "900 B";
    /// in the current language's digits, separators and units elsewhere ("2,5 Mo").
    static func display(_ bytes: Int64) -> String {
        let texts = L10n.texts
        guard let unit = Unit(bytes) else { return "\(bytes) B" }
        let value = Double(bytes) / Double(unit.size)
        let decimals = unit == .kilobytes ? 0 : 1
        let amount =
            texts.language == .en
            ? String(format: "%.\(decimals)f", value)
            : value.formatted(.number.precision(.fractionLength(decimals)).locale(texts.locale))
        return unit.text(amount, texts)
    }

    /// The unit a size reads in: none below a kilobyte.
    enum Unit {
        case kilobytes, megabytes

        init?(_ bytes: Int64) {
            if bytes >= Int64(megabyte) {
                self = .megabytes
            } else if bytes >= Int64(kilobyte) {
                self = .kilobytes
            } else {
                return nil
            }
        }

        var size: Int { self == .megabytes ? megabyte : kilobyte }

        func text(_ amount: String, _ texts: Texts) -> String {
            switch self {
            case .kilobytes: texts("uploads.size.kilobytes", ["n": amount])
            case .megabytes: texts("uploads.size.megabytes", ["n": amount])
            }
        }
    }

    /// Whole units, or one decimal when it is not zero: "15", "1.5" ("1,5").
    private static func exactAmount(_ bytes: Int, unit: Int, _ texts: Texts) -> String {
        if bytes % unit == 0 { return "\(bytes / unit)" }
        let tenths = (bytes * 10 + unit / 2) / unit
        if tenths % 10 == 0 { return "\(tenths / 10)" }
        return "\(tenths / 10)\(texts.locale.decimalSeparator ?? ".")\(tenths % 10)"
    }
}
