import Foundation

/// A value that is always written, as JSON `null` when absent (plain optionals are left out
/// by the synthesized encoders, and the API's schemas require every key).
struct Nullable<Wrapped: Encodable & Sendable>: Encodable, Sendable {
    let value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// A work order as the subscriber sees it: no internal notes, no staff-only fields. One JSON
/// object: the order's own fields and its `state` side by side.
struct WorkOrderResource: Encodable, Sendable {
    let fields: WorkOrderSubscriberFields
    let state: State

    /// Where the order stands in time, and what the subscriber may do now.
    struct State: Encodable, Sendable {
        let estimatedCompletion: Nullable<Date>
        let dueDate: Nullable<String>
        let overdue: Bool
        let closedReason: String
        let submittedAt: Nullable<Date>
        let approvedAt: Nullable<Date>
        let completedAt: Nullable<Date>
        let createdAt: Date
        let updatedAt: Date
        let version: Int
        /// What the subscriber may do now (the portal shows the same buttons).
        let editable: Bool
        let cancellable: Bool
        let reopenable: Bool

        init(_ order: WorkOrder) {
            estimatedCompletion = Nullable(order.estimatedCompletion)
            dueDate = Nullable(order.dueDate)
            overdue = order.isOverdue(today: ISODates.today())
            closedReason = order.closedReason
            submittedAt = Nullable(order.submittedAt)
            approvedAt = Nullable(order.approvedAt)
            completedAt = Nullable(order.completedAt)
            createdAt = order.createdAt
            updatedAt = order.updatedAt
            version = order.version
            editable = !order.status.isLockedForCustomer
            cancellable = order.status == .draft || order.status == .submitted
            reopenable =
                order.status == .completed
                && order.completedAt.map { Date().timeIntervalSince($0) <= CustomerWorkOrders.reopenWindow } == true
        }
    }

    init(_ order: WorkOrder) {
        fields = WorkOrderSubscriberFields(order)
        state = State(order)
    }

    func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
        try state.encode(to: encoder)
    }
}

/// Who did something, as the portal names them.
struct ActorResource: Encodable, Sendable {
    let kind: String
    let name: String

    init(kind: String, name: String) {
        self.kind = kind
        switch kind {
        case "customer": self.name = name
        case "staff": self.name = name.isEmpty ? "Staff" : name
        case "integration": self.name = "Integration"
        default: self.name = "System"
        }
    }
}

struct ChangeResource: Encodable, Sendable {
    let type = "change"
    let at: Date
    let field: String
    let from: Nullable<String>
    let to: Nullable<String>
    let actor: ActorResource
    let reason: String

    init(_ change: WorkOrderChange) {
        at = change.createdAt
        field = change.field
        from = Nullable(change.oldValue)
        to = Nullable(change.newValue)
        actor = ActorResource(kind: change.actorKind, name: change.actorName)
        reason = change.reason
    }
}

struct CommentResource: Encodable, Sendable {
    let type = "comment"
    let id: String
    let at: Date
    let body: String
    let author: ActorResource

    init(_ comment: WorkOrderComment) {
        id = comment.id.uuidString.lowercased()
        at = comment.createdAt
        body = comment.body
        author = ActorResource(kind: comment.authorKind, name: comment.authorName)
    }
}

enum HistoryItemResource: Encodable, Sendable {
    case change(ChangeResource)
    case comment(CommentResource)

    var at: Date {
        switch self {
        case .change(let change): change.at
        case .comment(let comment): comment.at
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .change(let change): try change.encode(to: encoder)
        case .comment(let comment): try comment.encode(to: encoder)
        }
    }
}

struct HistoryResource: Encodable, Sendable {
    let items: [HistoryItemResource]
}

struct AttachmentResource: Encodable, Sendable {
    let id: String
    let fileName: String
    let contentType: String
    let sizeBytes: Int64
    let commentId: Nullable<String>
    let uploadedBy: String
    let createdAt: Date
    let downloadUrl: String

    init(_ record: AttachmentRecord, number: Int) {
        id = record.id.uuidString.lowercased()
        fileName = record.fileName
        contentType = record.contentType
        sizeBytes = record.sizeBytes
        commentId = Nullable(record.commentId?.uuidString.lowercased())
        uploadedBy = record.uploadedByKind
        createdAt = record.createdAt
        downloadUrl = SubscriberAPIRoutes.workOrderAttachment(number, record.id)
    }
}

struct AttachmentListResource: Encodable, Sendable {
    let items: [AttachmentResource]
}
