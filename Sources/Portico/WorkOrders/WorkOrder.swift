import Foundation
import Postgres

public enum WorkOrderStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case draft
    case submitted
    case approved
    case inProgress = "in_progress"
    case waiting
    case completed
    case rejected
    case cancelled

    /// In the request's language (`workOrders.status.*`).
    public var label: String { L10n.t("workOrders.status.\(rawValue)") }

    /// Closed orders need no more work.
    public var isClosed: Bool { self == .completed || self == .rejected || self == .cancelled }

    /// Once approved, the subscriber can no longer edit the fields (comments stay open).
    public var isLockedForCustomer: Bool { self != .draft && self != .submitted }

    /// Where staff may move an order from here: the pipeline
    /// `submitted → approved → in_progress ⇄ waiting → completed`, plus rejection of a
    /// submitted order, cancellation of any open one, and reopening a completed one.
    public var staffTransitions: [WorkOrderStatus] {
        switch self {
        // A draft is its author's alone: staff never see it, let alone move it.
        case .draft: []
        case .submitted: [.approved, .rejected, .cancelled]
        case .approved: [.inProgress, .waiting, .completed, .cancelled]
        case .inProgress: [.waiting, .completed, .cancelled]
        case .waiting: [.inProgress, .completed, .cancelled]
        case .completed: [.inProgress]
        case .rejected, .cancelled: []
        }
    }
}

public enum WorkOrderPriority: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case low
    case normal
    case high
    case urgent

    public var label: String { L10n.t("workOrders.priority.\(rawValue)") }
}

/// Who made a change: shown in history as "you", a staff member's name, or "system".
public struct Actor: Sendable {
    public enum Kind: String, Sendable, PostgresTextEnum {
        case customer
        case staff
        case system
        case integration
    }

    public let kind: Kind
    public let id: UUID?
    public let name: String

    public init(kind: Kind, id: UUID?, name: String) {
        self.kind = kind
        self.id = id
        self.name = name
    }

    public static let system = Actor(kind: .system, id: nil, name: "System")
}

/// A job or ticket for an organization.
public struct WorkOrder: Sendable, Decodable {
    public let id: UUID
    public let number: Int
    public let organizationId: UUID
    public let title: String
    public let description: String
    public let category: String
    public let priority: WorkOrderPriority
    public let quantity: Int
    public let serviceLocation: String
    public let preferredDates: String
    public let customerNotes: String
    public let shopNotes: String
    public let internalNotes: String
    public let status: WorkOrderStatus
    public let progress: Int
    public let estimatedCompletion: Date?
    public let dueDate: String?
    public let assigneeId: UUID?
    public let createdByCustomerId: UUID?
    public let createdByStaffId: UUID?
    public let submittedAt: Date?
    public let approvedAt: Date?
    public let completedAt: Date?
    public let closedReason: String
    public let externalId: String?
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date

    /// Past its due date and still open.
    public func isOverdue(today: String) -> Bool {
        guard let dueDate, !status.isClosed, status != .draft else { return false }
        return dueDate < today
    }
}

public struct NewWorkOrder: Sendable {
    public var organizationId: UUID
    public var title: String
    public var description: String
    public var category: String
    public var priority: WorkOrderPriority
    public var quantity: Int
    public var serviceLocation: String
    public var preferredDates: String
    public var customerNotes: String
    public var status: WorkOrderStatus
    public var dueDate: String?
    public var assigneeId: UUID?
    public var externalId: String?

    public init(
        organizationId: UUID, title: String, description: String = "", category: String = "", priority: WorkOrderPriority = .normal,
        quantity: Int = 1, serviceLocation: String = "", preferredDates: String = "", customerNotes: String = "",
        status: WorkOrderStatus = .draft, dueDate: String? = nil, assigneeId: UUID? = nil, externalId: String? = nil
    ) {
        self.organizationId = organizationId
        self.title = title
        self.description = description
        self.category = category
        self.priority = priority
        self.quantity = quantity
        self.serviceLocation = serviceLocation
        self.preferredDates = preferredDates
        self.customerNotes = customerNotes
        self.status = status
        self.dueDate = dueDate
        self.assigneeId = assigneeId
        self.externalId = externalId
    }
}

/// One field change in a work order's history.
public struct WorkOrderChange: Sendable, Decodable {
    public let id: Int64
    public let field: String
    public let oldValue: String?
    public let newValue: String?
    public let actorKind: String
    public let actorId: UUID?
    public let actorName: String
    public let reason: String
    public let createdAt: Date
}

public enum Visibility: String, Sendable, Codable, PostgresTextEnum {
    case shared
    case internalOnly = "internal"
}

public struct WorkOrderComment: Sendable, Decodable {
    public let id: UUID
    public let workOrderId: UUID
    public let authorKind: String
    public let authorId: UUID?
    public let authorName: String
    public let body: String
    public let visibility: Visibility
    public let createdAt: Date
}

public struct AttachmentRecord: Sendable, Decodable {
    public let id: UUID
    public let workOrderId: UUID
    public let commentId: UUID?
    public let fileName: String
    public let contentType: String
    public let sizeBytes: Int64
    public let sha256: String
    public let storageKey: String
    public let uploadedByKind: String
    public let uploadedById: UUID?
    public let visibility: Visibility
    public let createdAt: Date
}
