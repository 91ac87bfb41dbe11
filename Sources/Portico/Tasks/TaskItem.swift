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

    public init(
        organizationId: UUID, customerId: UUID? = nil, workOrderId: UUID? = nil, title: String, details: String = "",
        dueDate: String? = nil, createdByStaffId: UUID? = nil
    ) {
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
    func listQuery(organization: UUID?, status: TaskStatus?) -> Query<[TaskItem]>
    /// The console's task list, newest first within open / done, at most `limit`.
    func search(organization: UUID?, status: TaskStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [TaskItem]
    /// Marks an open task done; false when it was already done.
    func markDone(_ task: UUID, by customer: UUID?, note: String, in transaction: TenantTransaction) async throws -> Bool
    /// An organization's tasks a page at a time, in the order of `list` (open first, by due
    /// date, newest first). Throws `InvalidPageKey` for an `after` that no page returned.
    func page(organization: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction) async throws -> KeysetPage<TaskItem>
}

public struct PostgresTaskRepository: TaskRepository {
    public init() {}

    static let columns: SQL =
        "id, organization_id, customer_id, work_order_id, title, details, status, due_date::text AS due_date, done_at, done_note, created_at"

    public func create(_ new: NewTask, in transaction: TenantTransaction) async throws -> TaskItem {
        try await transaction.first(
            """
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
        try await transaction.run(listQuery(organization: organization, status: status))
    }

    public func listQuery(organization: UUID?, status: TaskStatus?) -> Query<[TaskItem]> {
        var conditions: [SQL] = ["true"]
        if let organization { conditions.append("organization_id = \(organization)") }
        if let status { conditions.append("status = \(status)") }
        return .rows(
            """
            SELECT \(Self.columns) FROM tasks WHERE \(SQL.join(conditions, separator: " AND "))
             ORDER BY status = 'done', due_date NULLS LAST, created_at DESC
            """, as: TaskItem.self)
    }

    public func search(organization: UUID?, status: TaskStatus?, limit: Int, in transaction: TenantTransaction) async throws -> [TaskItem] {
        var conditions: [SQL] = ["true"]
        if let organization { conditions.append("organization_id = \(organization)") }
        if let status { conditions.append("status = \(status)") }
        return try await transaction.rows(
            """
            SELECT \(Self.columns) FROM tasks WHERE \(SQL.join(conditions, separator: " AND "))
             ORDER BY status = 'done', due_date NULLS LAST, created_at DESC, id LIMIT \(limit)
            """
        ).map { try $0.decode(TaskItem.self) }
    }

    struct Ranked: Decodable {
        let pageRank: Int
        let pageDue: String
        let pageCreated: Int64
    }

    public func page(organization: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction) async throws -> KeysetPage<TaskItem> {
        var position: SQL = "true"
        if let after {
            guard after.count == 4, after[1] == "infinity" || DateInput.isISODate(after[1]) else { throw InvalidPageKey() }
            let (rank, created, id) = (try InvalidPageKey.int(after[0]), try InvalidPageKey.int(after[2]), try InvalidPageKey.uuid(after[3]))
            position = "(page_rank, page_due::date, page_created, id) > (\(Int(rank)), \(after[1])::date, \(created), \(id))"
        }
        let rows = try await transaction.rows(
            """
            SELECT * FROM (
                SELECT \(Self.columns), CASE WHEN status = 'done' THEN 1 ELSE 0 END AS page_rank,
                       COALESCE(tasks.due_date, 'infinity'::date)::text AS page_due,
                       -(extract(epoch FROM created_at) * 1000000)::bigint AS page_created
                  FROM tasks WHERE organization_id = \(organization)) keyed
             WHERE \(position)
             ORDER BY page_rank, page_due::date, page_created, id LIMIT \(limit + 1)
            """
        ).map { (try $0.decode(TaskItem.self), try $0.decode(Ranked.self)) }
        return KeysetPage.from(
            rows, limit: limit, item: { $0.0 },
            key: { [String($0.1.pageRank), $0.1.pageDue, String($0.1.pageCreated), $0.0.id.uuidString] })
    }

    public func markDone(_ task: UUID, by customer: UUID?, note: String, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE tasks SET status = 'done', done_at = now(), done_note = \(note), done_by_customer_id = \(customer)
             WHERE id = \(task) AND status = 'open'
            """) == 1
    }
}
