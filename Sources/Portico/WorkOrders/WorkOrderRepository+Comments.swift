import Foundation
import Postgres

/// The comments on an order, internal ones for staff only.
extension PostgresWorkOrderRepository {
    public func addComment(
        to workOrder: UUID, body: String, visibility: Visibility, by actor: Actor, in transaction: TenantTransaction
    ) async throws -> WorkOrderComment {
        try await transaction.first(
            """
            INSERT INTO work_order_comments (tenant_id, work_order_id, author_kind, author_id, author_name, body, visibility)
            VALUES (\(transaction.tenant), \(workOrder), \(actor.kind), \(actor.id), \(actor.name), \(body), \(visibility))
            RETURNING id, work_order_id, author_kind, author_id, author_name, body, visibility, created_at
            """)!.decode(WorkOrderComment.self)
    }

    public func comments(of workOrder: UUID, includeInternal: Bool, in transaction: TenantTransaction) async throws -> [WorkOrderComment] {
        try await transaction.run(commentsQuery(of: workOrder, includeInternal: includeInternal))
    }

    public func commentsQuery(of workOrder: UUID, includeInternal: Bool) -> Query<[WorkOrderComment]> {
        let visibility: SQL = includeInternal ? "" : "AND visibility = 'shared'"
        return .rows(
            """
            SELECT id, work_order_id, author_kind, author_id, author_name, body, visibility, created_at
              FROM work_order_comments WHERE work_order_id = \(workOrder) \(visibility) ORDER BY created_at, id
            """, as: WorkOrderComment.self)
    }
}
