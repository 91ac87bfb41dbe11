/// How much one upload request may carry. Every limit is enforced while the body streams in,
/// so an oversized request costs at most one network chunk beyond the limit.
public struct UploadLimits: Sendable, Equatable {
    /// Per file, in bytes.
    public var maxFileSize: Int
    /// Files per request (empty file inputs do not count).
    public var maxFiles: Int
    /// The whole request body, in bytes, multipart framing included.
    public var maxTotalSize: Int
    /// Per text field, in bytes.
    public var maxFieldSize: Int
    /// Text fields per request; empty file inputs count here.
    public var maxFields: Int
    /// Headers of one part (or a preamble) may not grow past this without any content.
    public var maxPartHeaderSize: Int

    public init(
        maxFileSize: Int = 15 * 1024 * 1024,
        maxFiles: Int = 10,
        maxTotalSize: Int = 64 * 1024 * 1024,
        maxFieldSize: Int = 64 * 1024,
        maxFields: Int = 100,
        maxPartHeaderSize: Int = 16 * 1024
    ) {
        self.maxFileSize = maxFileSize
        self.maxFiles = maxFiles
        self.maxTotalSize = maxTotalSize
        self.maxFieldSize = maxFieldSize
        self.maxFields = maxFields
        self.maxPartHeaderSize = maxPartHeaderSize
    }

    /// 15 MB per file, 10 files, 64 MB in all, 100 fields of up to 64 KB.
    public static let standard = UploadLimits()
}

enum ByteCountText {
    /// "15 MB", "1.5 MB", "64 KB", "900 bytes" (binary units, as the limits are set), in the
    /// current language ("1,5 Mo").
    static func describe(_ bytes: Int) -> String {
        let texts = L10n.texts
        let kilobyte = 1024
        let megabyte = 1024 * 1024
        if bytes >= megabyte { return texts("uploads.size.megabytes", ["n": amount(bytes, unit: megabyte, texts)]) }
        if bytes >= kilobyte { return texts("uploads.size.kilobytes", ["n": amount(bytes, unit: kilobyte, texts)]) }
        // Plain digits, as the limits are written in configuration: "1000 bytes".
        return texts.plural("uploads.size.bytes", count: bytes, ["n": "\(bytes)"])
    }

    /// Whole units, or one decimal when it is not zero: "15", "1.5" ("1,5").
    private static func amount(_ bytes: Int, unit: Int, _ texts: Texts) -> String {
        if bytes % unit == 0 { return "\(bytes / unit)" }
        let tenths = (bytes * 10 + unit / 2) / unit
        if tenths % 10 == 0 { return "\(tenths / 10)" }
        return "\(tenths / 10)\(texts.locale.decimalSeparator ?? ".")\(tenths % 10)"
    }
}
