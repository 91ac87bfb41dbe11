import Foundation

/// A file already stored by the upload handling, ready to be recorded against an order.
public struct UploadedAttachment: Sendable {
    public let fileName: String
    public let contentType: String
    public let sizeBytes: Int64
    public let sha256: String
    public let storageKey: String

    public init(fileName: String, contentType: String, sizeBytes: Int64, sha256: String, storageKey: String) {
        self.fileName = fileName
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.storageKey = storageKey
    }

    func record(workOrder: UUID, comment: UUID?, by actor: Actor, visibility: Visibility = .shared) -> NewAttachment {
        NewAttachment(
            workOrderId: workOrder, commentId: comment, fileName: fileName, contentType: contentType, sizeBytes: sizeBytes,
            sha256: sha256, storageKey: storageKey, uploadedBy: actor, visibility: visibility)
    }
}
