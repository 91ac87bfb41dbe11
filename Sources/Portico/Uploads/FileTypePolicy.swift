import Foundation

/// The allow-list for uploads. A file is accepted only when its extension and its first
/// bytes both say it is the same accepted kind: a renamed file is refused either way round.
public struct FileTypePolicy: Sendable {
    public let accepted: [FileKind]

    public init(accepted: [FileKind] = FileKind.attachments) {
        self.accepted = accepted
    }

    public static let standard = FileTypePolicy()

    /// How many leading bytes the content check looks at.
    public static var sniffLength: Int { FileSignatures.sniffLength }

    /// The accepted kind a file name claims by its extension, or nil.
    public func claimedKind(fileName: String) -> FileKind? {
        guard let ext = Self.fileExtension(fileName) else { return nil }
        return accepted.first { $0.extensions.contains(ext) }
    }

    /// What the content is, judged by its first bytes alone (nil when not an accepted kind).
    public func detectedKind(head: some Collection<UInt8>) -> FileKind? {
        guard let kind = FileSignatures.detect(Array(head.prefix(Self.sniffLength))) else { return nil }
        return accepted.contains(kind) ? kind : nil
    }

    /// Refuses a name whose extension is not on the list; callers check this before reading
    /// any content.
    public func checkName(_ fileName: String) throws -> FileKind {
        guard let kind = claimedKind(fileName: fileName) else {
            throw AppError(
                .unsupportedMediaType, code: "upload_type_not_accepted",
                L10n.t("uploads.typeNotAccepted", ["file": Self.shown(fileName), "accepted": acceptedList]))
        }
        return kind
    }

    /// The kind of an accepted file, or an error saying what is wrong with it.
    public func check(fileName: String, head: some Collection<UInt8>) throws -> FileKind {
        let claimed = try checkName(fileName)
        let bytes = Array(head.prefix(Self.sniffLength))
        let detected = FileSignatures.detect(bytes)
        if detected == claimed { return claimed }
        let looks: String
        if bytes.isEmpty {
            looks = L10n.t("uploads.looks.empty")
        } else if let content = detected?.describedContent ?? FileSignatures.describeOther(bytes) {
            looks = L10n.t("uploads.looks.like", ["content": content])
        } else {
            looks = L10n.t("uploads.looks.unknown")
        }
        let advice: String
        if let detected, accepted.contains(detected) {
            advice = L10n.t(
                "uploads.advice.rename",
                ["kind": claimed.displayName, "ext": detected.extensions[0], "content": detected.describedContent])
        } else {
            advice = L10n.t("uploads.advice.original", ["kind": claimed.displayName])
        }
        throw AppError(
            .unsupportedMediaType, code: "upload_content_mismatch",
            L10n.t("uploads.mismatch", ["file": Self.shown(fileName), "kind": claimed.displayName, "looks": looks, "advice": advice]))
    }

    /// "JPEG, PNG, HEIC, WebP photos, PDF, DXF and DWG drawings" for the standard list, in the
    /// current language ("fotos JPEG, PNG, HEIC, WebP, PDF, planos DXF y DWG").
    public var acceptedList: String {
        let texts = L10n.texts
        let photos = accepted.filter(\.isPhoto).map(\.displayName)
        let drawings = accepted.filter(\.isDrawing).map(\.displayName)
        let others = accepted.filter { !$0.isPhoto && !$0.isDrawing }.map(\.displayName)
        var groups: [String] = []
        if !photos.isEmpty { groups.append(texts("uploads.accepted.photos", ["names": photos.joined(separator: ", ")])) }
        groups += others
        if !drawings.isEmpty { groups.append(texts("uploads.accepted.drawings", ["names": texts.list(drawings)])) }
        return groups.joined(separator: ", ")
    }

    /// Lower-cased text after the last dot, if there is a non-empty one.
    static func fileExtension(_ fileName: String) -> String? {
        guard let dot = fileName.lastIndex(of: "."), fileName.index(after: dot) < fileName.endIndex else { return nil }
        return fileName[fileName.index(after: dot)...].lowercased()
    }

    /// A name as quoted in a message: never empty.
    static func shown(_ fileName: String) -> String {
        fileName.isEmpty ? L10n.t("uploads.theFile") : fileName
    }
}
