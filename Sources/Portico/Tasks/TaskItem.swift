import Foundation
import Postgres

public enum TaskStatus: String, Sendable, Codable, PostgresTextEnum {
    case open
    case done
}

/// An action the subscriber must take ("grant roof access").
public struct TaskItem: Sendable, Decodable {
    public let id: UUID
    public let organizationId: UUID
    public let customerId: UUID?
    public let workOrderId: UUID?
    public let title: String
    public let details: String
    public let status: TaskStatus
    public let dueDate: String?
    public let doneAt: Date?
    public let doneNote: String
    public let createdAt: Date
}

public struct NewTask: Sendable {
    public var organizationId: UUID
    public var customerId: UUID?
    public var workOrderId: UUID?
    public var title: String
    public var details: String
    public var dueDate: String?
    public var createdByStaffId: UUID?

    public init(organizationId: UUID, customerId: UUID? = nil, workOrderId: UUID? = nil, title: String, details: String = "",
                dueDate: String? = nil, createdByStaffId: UUID? = nil) {
        self.organizationId = organizationId
        self.customerId = customerId
        self.workOrderId = workOrderId
        self.title = title
        self.details = details
        self.dueDate = dueDate
        self.createdByStaffId = createdByStaffId
    }
}

public protocol TaskRepository: Sendable {
    func create(_ new: NewTask, in transaction: TenantTransaction) async throws -> TaskItem
    func find(id: UUID, organization: UUID?, in transaction: TenantTransaction) async throws -> TaskItem?
    func list(organization: UUID?, status: TaskStatus?, in transaction: TenantTransaction) async throws -> [TaskItem]
    /// The console's task list, newest first within open / done, at most `limit`.
    func search(organization: UUID?, status: TaskStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [TaskItem]
    /// Marks an open task done; false when it was already done.
    func markDone(_ task: UUID, by customer: UUID?, note: String, in transaction: TenantTransaction) async throws -> Bool
}

public struct PostgresTaskRepository: TaskRepository {
    public init() {}

    static let columns: SQL = "id, organization_id, customer_id, work_order_id, title, details, status, due_date::text AS due_date, done_at, done_note, created_at"

    public func create(_ new: NewTask, in transaction: TenantTransaction) async throws -> TaskItem {
        try await transaction.first("""
            INSERT INTO tasks (tenant_id, organization_id, customer_id, work_order_id, title, details, due_date, created_by_staff_id)
            VALUES (\(transaction.tenant), \(new.organizationId), \(new.customerId), \(new.workOrderId), \(new.title), \(new.details),
                    \(new.dueDate)::date, \(new.createdByStaffId))
            RETURNING \(Self.columns)
            """)!.decode(TaskItem.self)
    }

    public func find(id: UUID, organization: UUID?, in transaction: TenantTransaction) async throws -> TaskItem? {
        let scope: SQL = organization.map { "AND organization_id = \($0)" } ?? ""
        return try await transaction.first("SELECT \(Self.columns) FROM tasks WHERE id = \(id) \(scope)")?.decode(TaskItem.self)
    }

    public func list(organization: UUID?, status: TaskStatus?, in transaction: TenantTransaction) async throws -> [TaskItem] {
        var conditions: [SQL] = ["true"]
        if let organization { conditions.append("organization_id = \(organization)") }
        if let status { conditions.append("status = \(status)") }
        return try await transaction.rows("""
            SELECT \(Self.columns) FROM tasks WHERE \(SQL.join(conditions, separator: " AND "))
             ORDER BY status = 'done', due_date NULLS LAST, created_at DESC
            """).map { try $0.decode(TaskItem.self) }
    }

    public func search(organization: UUID?, status: TaskStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [TaskItem] {
        var conditions: [SQL] = ["true"]
        if let organization { conditions.append("organization_id = \(organization)") }
        if let status { conditions.append("status = \(status)") }
        return try await transaction.rows("""
            SELECT \(Self.columns) FROM tasks WHERE \(SQL.join(conditions, separator: " AND "))
             ORDER BY status = 'done', due_date NULLS LAST, created_at DESC, id LIMIT \(limit)
            """).map { try $0.decode(TaskItem.self) }
    }

    public func markDone(_ task: UUID, by customer: UUID?, note: String, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("""
            UPDATE tasks SET status = 'done', done_at = now(), done_note = \(note), done_by_customer_id = \(customer)
             WHERE id = \(task) AND status = 'open'
            """) == 1
    }
}
