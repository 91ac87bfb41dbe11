import Foundation
import Postgres

public struct NewAttachment: Sendable {
    public var workOrderId: UUID
    public var commentId: UUID?
    public var fileName: String
    public var contentType: String
    public var sizeBytes: Int64
    public var sha256: String
    public var storageKey: String
    public var uploadedBy: Actor
    public var visibility: Visibility

    public init(
        workOrderId: UUID, commentId: UUID? = nil, fileName: String, contentType: String, sizeBytes: Int64, sha256: String,
        storageKey: String, uploadedBy: Actor, visibility: Visibility = .shared
    ) {
        self.workOrderId = workOrderId
        self.commentId = commentId
        self.fileName = fileName
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.storageKey = storageKey
        self.uploadedBy = uploadedBy
        self.visibility = visibility
    }
}

/// Files on an order and its comments; internal ones only for staff.
extension PostgresWorkOrderRepository {
    public func addAttachment(_ record: NewAttachment, in transaction: TenantTransaction) async throws -> AttachmentRecord {
        try await transaction.first(
            """
            INSERT INTO attachments (tenant_id, work_order_id, comment_id, file_name, content_type, size_bytes, sha256, storage_key,
                                     uploaded_by_kind, uploaded_by_id, visibility)
            VALUES (\(transaction.tenant), \(record.workOrderId), \(record.commentId), \(record.fileName), \(record.contentType),
                    \(record.sizeBytes), \(record.sha256), \(record.storageKey), \(record.uploadedBy.kind), \(record.uploadedBy.id),
                    \(record.visibility))
            RETURNING *
            """)!.decode(AttachmentRecord.self)
    }

    /// Subscribers see an attachment only when it is shared and, if it came with a comment,
    /// that comment is shared too.
    static func attachmentVisibility(includeInternal: Bool) -> SQL {
        includeInternal
            ? ""
            : """
            AND a.visibility = 'shared'
            AND NOT EXISTS (SELECT 1 FROM work_order_comments c WHERE c.id = a.comment_id AND c.visibility <> 'shared')
            """
    }

    public func attachments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> [AttachmentRecord] {
        try await transaction.run(attachmentsQuery(of: workOrder, includeInternal: includeInternal))
    }

    public func attachmentsQuery(of workOrder: UUID, includeInternal: Bool) -> Query<[AttachmentRecord]> {
        .rows(
            """
            SELECT a.* FROM attachments a WHERE a.work_order_id = \(workOrder) \(Self.attachmentVisibility(includeInternal: includeInternal))
             ORDER BY a.created_at, a.id
            """, as: AttachmentRecord.self)
    }

    public func attachment(id: UUID, in transaction: TenantTransaction) async throws -> AttachmentRecord? {
        try await transaction.first("SELECT * FROM attachments WHERE id = \(id)")?.decode(AttachmentRecord.self)
    }

    public func attachment(id: UUID, workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> AttachmentRecord? {
        try await transaction.first(
            """
            SELECT a.* FROM attachments a WHERE a.id = \(id) AND a.work_order_id = \(workOrder) \(Self.attachmentVisibility(includeInternal: includeInternal))
            """)?.decode(AttachmentRecord.self)
    }

    public func lockAndCountAttachments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.execute("SELECT 1 FROM work_orders WHERE id = \(workOrder) FOR UPDATE")
        return try await transaction.scalar(
            """
            SELECT count(*)::int FROM attachments a WHERE a.work_order_id = \(workOrder) \(Self.attachmentVisibility(includeInternal: includeInternal))
            """, as: Int.self) ?? 0
    }
}
