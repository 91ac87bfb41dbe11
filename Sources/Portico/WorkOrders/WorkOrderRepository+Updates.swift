import Foundation
import Postgres

/// Changing an order's fields under optimistic locking, with one history row per change.
extension PostgresWorkOrderRepository {
    public func update(
        _ order: WorkOrder, changes: [WorkOrderFieldChange], expectedVersion: Int, by actor: Actor, reason: String,
        in transaction: TenantTransaction
    ) async throws -> WorkOrder {
        let current = Self.currentValues(order)
        let effective = changes.filter { current[$0.field] != $0.newValue }
        guard !effective.isEmpty else {
            guard order.version == expectedVersion else { throw Self.conflict(order.number) }
            return order
        }
        var assignments: [SQL] = ["version = version + 1"]
        for change in effective {
            assignments.append(Self.assignment(change))
            if change.field == .status, let status = change.newValue.flatMap(WorkOrderStatus.init(rawValue:)) {
                switch status {
                case .submitted: assignments.append("submitted_at = COALESCE(submitted_at, now())")
                case .approved: assignments.append("approved_at = COALESCE(approved_at, now())")
                case .completed: assignments.append("completed_at = now()")
                case .inProgress where order.status == .completed: assignments.append("completed_at = NULL")
                default: break
                }
            }
        }
        guard
            let updated = try await transaction.first(
                """
                UPDATE work_orders SET \(SQL.join(assignments, separator: ", "))
                 WHERE id = \(order.id) AND version = \(expectedVersion)
                RETURNING \(Self.columns)
                """)?.decode(WorkOrder.self)
        else {
            throw Self.conflict(order.number)
        }
        for change in effective {
            try await record(
                order.id, field: change.field.rawValue, from: current[change.field] ?? nil,
                to: change.displayValue ?? change.newValue, by: actor, reason: reason, in: transaction)
        }
        return updated
    }

    static func conflict(_ number: Int) -> AppError {
        AppError(
            .conflict, code: "version_conflict",
            "Work order #\(number) was changed by someone else after you opened it. Reload it to see the changes, then make yours again.")
    }

    static func currentValues(_ order: WorkOrder) -> [WorkOrderFieldChange.Field: String?] {
        [
            .title: order.title, .description: order.description, .category: order.category, .priority: order.priority.rawValue,
            .quantity: String(order.quantity), .serviceLocation: order.serviceLocation, .preferredDates: order.preferredDates,
            .customerNotes: order.customerNotes, .shopNotes: order.shopNotes, .internalNotes: order.internalNotes,
            .status: order.status.rawValue, .progress: String(order.progress),
            .estimatedCompletion: order.estimatedCompletion.map(ISODates.format), .dueDate: order.dueDate,
            .assigneeId: order.assigneeId?.uuidString.lowercased(), .closedReason: order.closedReason,
        ]
    }

    static func assignment(_ change: WorkOrderFieldChange) -> SQL {
        let value = change.newValue
        switch change.field {
        case .title: return "title = \(value ?? "")"
        case .description: return "description = \(value ?? "")"
        case .category: return "category = \(value ?? "")"
        case .priority: return "priority = \(value ?? "normal")"
        case .quantity: return "quantity = \(value ?? "1")::int"
        case .serviceLocation: return "service_location = \(value ?? "")"
        case .preferredDates: return "preferred_dates = \(value ?? "")"
        case .customerNotes: return "customer_notes = \(value ?? "")"
        case .shopNotes: return "shop_notes = \(value ?? "")"
        case .internalNotes: return "internal_notes = \(value ?? "")"
        case .status: return "status = \(value ?? "draft")"
        case .progress: return "progress = \(value ?? "0")::int"
        case .estimatedCompletion: return "estimated_completion = \(value)::timestamptz"
        case .dueDate: return "due_date = \(value)::date"
        case .assigneeId: return "assignee_id = \(value)::uuid"
        case .closedReason: return "closed_reason = \(value ?? "")"
        }
    }

    func record(
        _ workOrder: UUID, field: String, from: String?, to: String?, by actor: Actor, reason: String, in transaction: TenantTransaction
    ) async throws {
        try await transaction.execute(
            """
            INSERT INTO work_order_changes (tenant_id, work_order_id, field, old_value, new_value, actor_kind, actor_id, actor_name, reason)
            VALUES (\(transaction.tenant), \(workOrder), \(field), \(from), \(to), \(actor.kind), \(actor.id), \(actor.name), \(reason))
            """)
    }

    public func history(of workOrder: UUID, in transaction: TenantTransaction) async throws -> [WorkOrderChange] {
        try await transaction.run(historyQuery(of: workOrder))
    }

    public func historyQuery(of workOrder: UUID) -> Query<[WorkOrderChange]> {
        .rows(
            """
            SELECT id, field, old_value, new_value, actor_kind, actor_id, actor_name, reason, created_at
              FROM work_order_changes WHERE work_order_id = \(workOrder) ORDER BY created_at, id
            """, as: WorkOrderChange.self)
    }
}
