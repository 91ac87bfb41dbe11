import Foundation
import Postgres

public protocol WorkOrderRepository: Sendable {
    func create(_ new: NewWorkOrder, by actor: Actor, in transaction: TenantTransaction) async throws -> WorkOrder
    /// The order with this number (in `organization`, if given), unless it is another
    /// subscriber's private draft: drafts are found only for `author`, never for staff (nil).
    func find(number: Int, organization: UUID?, draftsOf author: UUID?, in transaction: TenantTransaction) async throws -> WorkOrder?
    func find(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrder?
    /// The numbers of these work orders, in one query (lists show "#42" beside a task or visit).
    func numbers(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Int]
    func list(_ filter: WorkOrderFilter, limit: Int, offset: Int, in transaction: TenantTransaction) async throws -> [WorkOrder]
    /// `list` as a query value, to send with a page's other reads in one round trip (`batch`).
    func listQuery(_ filter: WorkOrderFilter, limit: Int, offset: Int) -> Query<[WorkOrder]>
    func count(_ filter: WorkOrderFilter, in transaction: TenantTransaction) async throws -> Int
    func countQuery(_ filter: WorkOrderFilter) -> Query<Int>
    func pageNamingOrganizations(
        _ filter: WorkOrderFilter, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int
    ) -> Query<[(order: WorkOrder, organizationName: String)]>
    func page(
        _ filter: WorkOrderFilter, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int, in transaction: TenantTransaction
    ) async throws -> [WorkOrder]
    /// Applies field changes if the order is still at `expectedVersion`; records each changed
    /// field in the history. Throws a conflict when someone else changed it first.
    func update(
        _ order: WorkOrder, changes: [WorkOrderFieldChange], expectedVersion: Int, by actor: Actor, reason: String,
        in transaction: TenantTransaction
    ) async throws -> WorkOrder
    func history(of workOrder: UUID, in transaction: TenantTransaction) async throws -> [WorkOrderChange]
    func historyQuery(of workOrder: UUID) -> Query<[WorkOrderChange]>
    func addComment(
        to workOrder: UUID, body: String, visibility: Visibility, by actor: Actor, in transaction: TenantTransaction
    ) async throws -> WorkOrderComment
    func comments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> [WorkOrderComment]
    func commentsQuery(of workOrder: UUID, includeInternal: Bool) -> Query<[WorkOrderComment]>
    func addAttachment(_ record: NewAttachment, in transaction: TenantTransaction) async throws -> AttachmentRecord
    func attachments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> [AttachmentRecord]
    func attachmentsQuery(of workOrder: UUID, includeInternal: Bool) -> Query<[AttachmentRecord]>
    func attachment(id: UUID, in transaction: TenantTransaction) async throws -> AttachmentRecord?
    /// The attachment, only if it belongs to this order and (unless `includeInternal`) is
    /// shared and not on an internal comment.
    func attachment(id: UUID, workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> AttachmentRecord?
    /// How many attachments the order has (only subscriber-visible ones unless `includeInternal`).
    /// Locks the order row first, so concurrent uploads to the same order count one after another.
    func lockAndCountAttachments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> Int
    /// Orders changed at or after `since` (optionally in some statuses), in (updated_at, id)
    /// order after `cursor`: what a sync walks (integration API).
    func changed(
        since: Date?, statuses: [WorkOrderStatus], after cursor: SyncCursor?, limit: Int,
        in transaction: TenantTransaction
    ) async throws -> [(WorkOrder, SyncCursor)]
}

extension WorkOrderRepository {
    /// The order with this number as staff and integrations see it: never a private draft.
    public func find(number: Int, organization: UUID?, in transaction: TenantTransaction) async throws -> WorkOrder? {
        try await find(number: number, organization: organization, draftsOf: nil, in: transaction)
    }
}

public struct PostgresWorkOrderRepository: WorkOrderRepository {
    public init() {}

    public func create(_ new: NewWorkOrder, by actor: Actor, in transaction: TenantTransaction) async throws -> WorkOrder {
        let number = try await TenantCounters.next("work_order_number", startingAt: 1001, in: transaction)
        let order = try await transaction.first(
            """
            INSERT INTO work_orders (tenant_id, number, organization_id, title, description, category, priority, quantity,
                                     service_location, preferred_dates, customer_notes, status, due_date, assignee_id,
                                     created_by_customer_id, created_by_staff_id, submitted_at, external_id)
            VALUES (\(transaction.tenant), \(number), \(new.organizationId), \(new.title), \(new.description), \(new.category),
                    \(new.priority), \(new.quantity), \(new.serviceLocation), \(new.preferredDates), \(new.customerNotes),
                    \(new.status), \(new.dueDate)::date, \(new.assigneeId),
                    \(actor.kind == .customer ? actor.id : nil), \(actor.kind == .staff ? actor.id : nil),
                    CASE WHEN \(new.status) <> 'draft' THEN now() END, \(new.externalId))
            RETURNING \(Self.columns)
            """)!.decode(WorkOrder.self)
        try await record(order.id, field: "status", from: nil, to: order.status.rawValue, by: actor, reason: "Created", in: transaction)
        return order
    }

    /// `due_date` as text so it decodes as an ISO date string.
    static let columns: SQL = """
        id, number, organization_id, title, description, category, priority, quantity, service_location, preferred_dates,
        customer_notes, shop_notes, internal_notes, status, progress, estimated_completion, due_date::text AS due_date, assignee_id,
        created_by_customer_id, created_by_staff_id, submitted_at, approved_at, completed_at, closed_reason, external_id, version,
        created_at, updated_at
        """

    public func find(number: Int, organization: UUID?, draftsOf author: UUID?, in transaction: TenantTransaction) async throws -> WorkOrder? {
        // Numbers are `integer`: a larger one (typed or sent by an API client) names no order,
        // rather than failing the statement with an out-of-range error.
        guard number > 0, number <= Int(Int32.max) else { return nil }
        let scope: SQL = organization.map { "AND organization_id = \($0)" } ?? ""
        return try await transaction.first(
            """
            SELECT \(Self.columns) FROM work_orders WHERE number = \(number) \(scope) AND \(WorkOrderPrivacy.visible(to: author))
            """)?.decode(WorkOrder.self)
    }

    public func find(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrder? {
        try await transaction.first("SELECT \(Self.columns) FROM work_orders WHERE id = \(id)")?.decode(WorkOrder.self)
    }

    public func numbers(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await transaction.rows("SELECT id, number FROM work_orders WHERE id = ANY(\(Array(Set(ids)))::uuid[])")
        return Dictionary(
            try rows.map { (try $0.decode(at: 0, as: UUID.self), try $0.decode(at: 1, as: Int.self)) }, uniquingKeysWith: { first, _ in first })
    }

    func conditions(_ filter: WorkOrderFilter) -> SQL {
        var conditions: [SQL] = ["true"]
        if let organization = filter.organizationId { conditions.append("organization_id = \(organization)") }
        if let account = filter.accountNumber {
            conditions.append("organization_id = (SELECT o.id FROM organizations o WHERE o.account_number = \(account))")
        }
        if !filter.statuses.isEmpty { conditions.append("status = ANY(\(filter.statuses.map(\.rawValue))::text[])") }
        conditions.append(WorkOrderPrivacy.visible(to: filter.draftsOf))
        if let category = filter.category, !category.isEmpty { conditions.append("category = \(category)") }
        if let assignee = filter.assigneeId { conditions.append("assignee_id = \(assignee)") }
        if filter.unassigned { conditions.append("assignee_id IS NULL") }
        if let priority = filter.priority { conditions.append("priority = \(priority)") }
        if filter.overdue {
            conditions.append("due_date < current_date AND status NOT IN ('draft', 'completed', 'rejected', 'cancelled')")
        }
        if let day = filter.dueOn {
            conditions.append("due_date = \(day)::date AND status NOT IN ('draft', 'completed', 'rejected', 'cancelled')")
        }
        // Days of the reader's calendar (the filter was typed in their zone).
        if let from = filter.createdFrom { conditions.append("created_at >= \(DisplayDate.current.startOfDay(from))") }
        if let to = filter.createdTo { conditions.append("created_at < \(DisplayDate.current.endOfDay(to))") }
        if let since = filter.updatedSince { conditions.append("updated_at >= \(ISODates.formatPrecise(since))::timestamptz") }
        if let search = filter.search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
            let digits = search.hasPrefix("#") ? String(search.dropFirst()) : search
            if let number = Int(digits) {
                conditions.append("(number = \(number) OR search @@ plainto_tsquery('simple', \(search)))")
            } else {
                conditions.append("search @@ plainto_tsquery('simple', \(search))")
            }
        }
        return SQL.join(conditions, separator: " AND ")
    }

    public func changed(
        since: Date?, statuses: [WorkOrderStatus], after cursor: SyncCursor?, limit: Int,
        in transaction: TenantTransaction
    ) async throws -> [(WorkOrder, SyncCursor)] {
        let status: SQL = statuses.isEmpty ? "" : " AND status = ANY(\(statuses.map(\.rawValue))::text[])"
        return try await transaction.rows(
            """
            SELECT \(Self.columns), updated_at::text AS sync_key FROM work_orders
             WHERE \(SyncCursor.condition(since: since, after: cursor))\(status) AND \(WorkOrderPrivacy.visible(to: nil))
             ORDER BY updated_at, id LIMIT \(limit)
            """
        ).map { row in
            let order = try row.decode(WorkOrder.self)
            return (order, SyncCursor(updatedAt: try row.decode("sync_key", as: String.self), id: order.id))
        }
    }

    public func list(_ filter: WorkOrderFilter, limit: Int, offset: Int, in transaction: TenantTransaction) async throws -> [WorkOrder] {
        try await transaction.run(listQuery(filter, limit: limit, offset: offset))
    }

    public func listQuery(_ filter: WorkOrderFilter, limit: Int, offset: Int) -> Query<[WorkOrder]> {
        .rows(
            """
            SELECT \(Self.columns) FROM work_orders WHERE \(conditions(filter))
             ORDER BY created_at DESC, number DESC \(SQL.limit(limit, offset: offset))
            """, as: WorkOrder.self)
    }

    /// A page of a staff queue in a stable order, continuing after `cursor` (keyset pagination:
    /// as fast on page 5,000 as on page 1).
    public func page(
        _ filter: WorkOrderFilter, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int,
        in transaction: TenantTransaction
    ) async throws -> [WorkOrder] {
        try await transaction.rows(pageStatement(filter, sort: sort, after: cursor, limit: limit)).map { try $0.decode(WorkOrder.self) }
    }

    /// `page` with each order's organization name, in the same statement (the console's queue).
    public func pageNamingOrganizations(
        _ filter: WorkOrderFilter, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int
    ) -> Query<[(order: WorkOrder, organizationName: String)]> {
        let name: SQL = ", (SELECT o.name FROM organizations o WHERE o.id = work_orders.organization_id) AS organization_name"
        return Query(pageStatement(filter, sort: sort, after: cursor, limit: limit, with: name)) { result in
            try result.rows.map { (try $0.decode(WorkOrder.self), try $0.decode("organization_name", as: String?.self) ?? "") }
        }
    }

    private func pageStatement(
        _ filter: WorkOrderFilter, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int, with extra: SQL = ""
    ) -> SQL {
        var conditions = conditions(filter)
        if let cursor {
            let comparison: SQL = sort.descending ? "<" : ">"
            switch sort {
            case .newest, .oldest:
                conditions = conditions + " AND (created_at, number) \(comparison) (\(cursor.value)::timestamptz, \(cursor.number))"
            case .updated:
                conditions = conditions + " AND (updated_at, number) \(comparison) (\(cursor.value)::timestamptz, \(cursor.number))"
            case .due:
                conditions =
                    conditions + " AND (COALESCE(due_date, 'infinity'::date), number) \(comparison) (\(cursor.value)::date, \(cursor.number))"
            case .priority:
                conditions = conditions + " AND (\(Self.priorityRank), number) \(comparison) (\(Int(cursor.value) ?? 0), \(cursor.number))"
            }
        }
        return "SELECT \(Self.columns)\(extra) FROM work_orders WHERE \(conditions) ORDER BY \(sort.orderBy) LIMIT \(limit)"
    }

    static let priorityRank: SQL = "(CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END)"

    public func count(_ filter: WorkOrderFilter, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.run(countQuery(filter))
    }

    public func countQuery(_ filter: WorkOrderFilter) -> Query<Int> {
        Query.scalar("SELECT count(*)::int FROM work_orders WHERE \(conditions(filter))", as: Int.self).map { $0 ?? 0 }
    }
}
