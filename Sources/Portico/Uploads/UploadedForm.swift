import Logging

/// What `MultipartUpload.receive` returns: the form's text fields and the files it stored.
/// The files exist in the blob store; a caller that fails to record them must call
/// `deleteFiles(from:tenant:)` so they do not linger unreferenced.
public struct UploadedForm: Sendable {
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Text fields in the order they arrived.
    public let fields: [Field]
    /// Stored files in the order they arrived (empty file inputs are left out).
    public let files: [UploadedFile]
    /// The name of every part in order, files and empty file inputs included: lets a caller
    /// check that, say, the CSRF token came first.
    public let partNames: [String]
    /// The text fields that arrived before the first file. A token checked in a
    /// `beforeFiles` hook can only be one of these.
    public let fieldsBeforeFirstFile: [Field]

    public init(fields: [Field], files: [UploadedFile], partNames: [String], fieldsBeforeFirstFile: [Field]) {
        self.fields = fields
        self.files = files
        self.partNames = partNames
        self.fieldsBeforeFirstFile = fieldsBeforeFirstFile
    }

    /// The first value of a text field.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Every value of a repeated text field, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// Text fields by name; repeated names collect into arrays.
    public var fieldValues: [String: [String]] {
        fields.reduce(into: [:]) { result, field in result[field.name, default: []].append(field.value) }
    }

    /// Removes every stored file; for a caller whose next step (the database insert) failed.
    public func deleteFiles(from store: any BlobStore, tenant: TenantID, logger: Logger? = nil) async {
        for file in files {
            do {
                try await store.delete(tenant: tenant, key: file.key)
            } catch {
                logger?.error("Could not delete an unused upload", metadata: ["key": "\(file.key)", "error": "\(error)"])
            }
        }
    }
}

public struct UploadedFile: Sendable, Hashable {
    /// The form field the file came in.
    public let fieldName: String
    /// The client's name for it, sanitised (`FileNames.sanitize`): for display and downloads only.
    public let fileName: String
    public let kind: FileKind
    public let size: Int
    /// Lower-case hex SHA-256 of the content.
    public let sha256: String
    /// Where it is stored, under the tenant.
    public let key: BlobKey

    public init(fieldName: String, fileName: String, kind: FileKind, size: Int, sha256: String, key: BlobKey) {
        self.fieldName = fieldName
        self.fileName = fileName
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.key = key
    }

    /// The canonical type for the detected kind, never the client's claim.
    public var contentType: String { kind.contentType }
    /// JPEG, PNG and WebP may be shown in an `<img>`; everything else is only downloaded.
    public var isInlineImage: Bool { kind.isInlineImage }
}
