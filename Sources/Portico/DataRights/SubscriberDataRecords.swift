import Foundation
import Postgres

/// Everything the portal holds about one subscriber's membership of their organization, read
/// in one snapshot, exactly as scoped as the portal's own pages: the organization's orders
/// that are not another member's private draft, their field history without internal notes,
/// shared comments, files the subscriber may open; appointments, tasks, notes shared with the
/// organization or with them. Staff-only material (internal notes and comments, internal
/// files) never enters it. It also holds what the portal keeps about the person themself:
/// their own activity in the audit log, the emails sent to them, their open sessions.
struct SubscriberDataRecords: Sendable, Encodable {
    struct Profile: Sendable, Codable {
        let id: UUID
        let name: String
        let email: String
        let emailVerifiedAt: Date?
        let phone: String
        let role: String
        let status: String
        let createdAt: Date
        let lastSignInAt: Date?
        let notificationPreferences: NotificationPreferences
    }

    /// The account the subscriber belongs to, as the integration API writes it (without its ids).
    typealias OrganizationRecord = OrganizationAccount

    struct EquipmentRecord: Sendable, Codable {
        let model: String
        let serial: String
        let mac: String
        let installedOn: String?
    }

    struct MemberRecord: Sendable, Codable {
        let name: String
        let role: String
    }

    /// An order of the organization: its own fields as the subscriber API writes them, its dates,
    /// and (filled in after) its history, shared comments and files, all in one JSON object.
    @dynamicMemberLookup
    struct WorkOrderRecord: Sendable, Codable {
        let fields: WorkOrderSubscriberFields
        let dates: Dates
        var history: [ChangeRecord] = []
        var comments: [CommentRecord] = []
        var attachments: [AttachmentEntry] = []

        struct Dates: Sendable, Codable {
            let id: UUID
            let estimatedCompletion: Date?
            let dueDate: String?
            let submittedAt: Date?
            let approvedAt: Date?
            let completedAt: Date?
            let closedReason: String
            let createdAt: Date
            let updatedAt: Date
        }

        subscript<Value>(dynamicMember field: KeyPath<WorkOrderSubscriberFields, Value>) -> Value { fields[keyPath: field] }
        subscript<Value>(dynamicMember field: KeyPath<Dates, Value>) -> Value { dates[keyPath: field] }

        enum CodingKeys: String, CodingKey { case history, comments, attachments }

        /// From a row of `work_orders` (the history, comments and files come after).
        init(from decoder: any Decoder) throws {
            fields = try WorkOrderSubscriberFields(from: decoder)
            dates = try Dates(from: decoder)
        }

        func encode(to encoder: any Encoder) throws {
            try fields.encode(to: encoder)
            try dates.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(history, forKey: .history)
            try c.encode(comments, forKey: .comments)
            try c.encode(attachments, forKey: .attachments)
        }
    }

    struct ChangeRecord: Sendable, Codable {
        let workOrderId: UUID
        let at: Date
        let field: String
        let from: String?
        let to: String?
        let by: String
        let reason: String
    }

    struct CommentRecord: Sendable, Codable {
        let workOrderId: UUID
        let at: Date
        let author: String
        let body: String
    }

    struct AttachmentEntry: Sendable, Codable {
        let id: UUID
        let workOrderId: UUID
        let fileName: String
        let contentType: String
        let sizeBytes: Int64
        let sha256: String
        let storageKey: String
        let createdAt: Date
        /// Where the file is inside the archive.
        var path: String = ""

        enum CodingKeys: String, CodingKey { case id, workOrderId, fileName, contentType, sizeBytes, sha256, createdAt, path }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: DecodingKeys.self)
            id = try c.decode(UUID.self, forKey: .id)
            workOrderId = try c.decode(UUID.self, forKey: .workOrderId)
            fileName = try c.decode(String.self, forKey: .fileName)
            contentType = try c.decode(String.self, forKey: .contentType)
            sizeBytes = try c.decode(Int64.self, forKey: .sizeBytes)
            sha256 = try c.decode(String.self, forKey: .sha256)
            storageKey = try c.decode(String.self, forKey: .storageKey)
            createdAt = try c.decode(Date.self, forKey: .createdAt)
        }

        enum DecodingKeys: String, CodingKey { case id, workOrderId, fileName, contentType, sizeBytes, sha256, storageKey, createdAt }
    }

    struct AppointmentRecord: Sendable, Codable {
        let kind: String
        let startsAt: Date
        let endsAt: Date
        let status: String
        let address: String
        let notes: String
        let rescheduleNote: String
        let cancelReason: String
        let workOrderNumber: Int?
    }

    struct TaskRecord: Sendable, Codable {
        let title: String
        let details: String
        let status: String
        let dueDate: String?
        let doneAt: Date?
        let doneNote: String
        let workOrderNumber: Int?
        let createdAt: Date
    }

    struct NoteRecord: Sendable, Codable {
        let body: String
        let author: String
        let aboutYou: Bool
        let createdAt: Date
    }

    struct ActivityRecord: Sendable, Codable {
        let at: Date
        let action: String
        let ip: String
        let userAgent: String
    }

    struct EmailRecord: Sendable, Codable {
        let createdAt: Date
        let kind: String
        let subject: String
        let status: String
        let sentAt: Date?
    }

    struct SessionRecordEntry: Sendable, Codable {
        let createdAt: Date
        let lastSeenAt: Date
        let expiresAt: Date
        let ip: String
        let userAgent: String
    }

    struct DeletionRequestRecord: Sendable, Codable {
        let requestedAt: Date
        let status: String
        let reason: String
    }

    let exportedAt: Date
    let portal: String
    let profile: Profile
    let organization: OrganizationRecord
    let equipment: [EquipmentRecord]
    let otherMembers: [MemberRecord]
    var workOrders: [WorkOrderRecord]
    let appointments: [AppointmentRecord]
    let tasks: [TaskRecord]
    let notes: [NoteRecord]
    let activity: [ActivityRecord]
    let emails: [EmailRecord]
    let sessions: [SessionRecordEntry]
    let deletionRequests: [DeletionRequestRecord]

}
