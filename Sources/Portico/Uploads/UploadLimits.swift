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
