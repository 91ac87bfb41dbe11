import Foundation
import Postgres

/// What a subscriber can do with the tasks asked of their organization. HTTP-free: the
/// portal's pages and the API share it.
public struct CustomerTasks: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let notices: StaffNotices

    /// One page of the organization's tasks and the numbers of the work orders they belong to,
    /// read in one transaction.
    public func page(
        customer: SignedInCustomer, after: [String]?, limit: Int, tenant: ResolvedTenant
    ) async throws -> (page: KeysetPage<TaskItem>, related: [UUID: Int]) {
        try await pool.withTenant(tenant.id) { tx in
            let page = try await repositories.tasks.page(organization: customer.organizationId, after: after, limit: limit, in: tx)
            let numbers = try await repositories.workOrders.numbers(ids: page.items.compactMap(\.workOrderId), in: tx)
            return (page, numbers)
        }
    }

    /// All the organization's tasks (the portal's page) and the numbers of their work orders.
    func all(customer: SignedInCustomer, tenant: TenantID) async throws -> (tasks: [TaskItem], related: [UUID: Int]) {
        try await pool.withTenant(tenant) { tx in
            let tasks = try await repositories.tasks.list(organization: customer.organizationId, status: nil, in: tx)
            return (tasks, try await repositories.workOrders.numbers(ids: tasks.compactMap(\.workOrderId), in: tx))
        }
    }

    /// The numbers of the work orders `tasks` belong to, for a response after a change.
    public func workOrderNumbers(of tasks: [TaskItem], tenant: ResolvedTenant) async throws -> [UUID: Int] {
        let ids = tasks.compactMap(\.workOrderId)
        guard !ids.isEmpty else { return [:] }
        return try await pool.withTenant(tenant.id) { tx in try await repositories.workOrders.numbers(ids: ids, in: tx) }
    }

    /// Marks a task of the customer's organization done (with an optional note for staff).
    /// Marking a done task again changes nothing. Another organization's task is not found.
    @discardableResult
    public func markDone(
        _ id: UUID, note: String, customer: SignedInCustomer, tenant: ResolvedTenant,
        origin: RequestOrigin? = nil
    ) async throws -> TaskItem {
        guard note.count <= 2000 else { throw AppError.validation(["note": "Use at most 2,000 characters."]) }
        let task = try await pool.withTenant(tenant.id) { tx -> TaskItem? in
            guard let task = try await repositories.tasks.find(id: id, organization: customer.organizationId, in: tx) else { return nil }
            if try await repositories.tasks.markDone(id, by: customer.id, note: note, in: tx) {
                try await notices.send(
                    .taskDone, ["customer": customer.name, "title": task.title], note: note,
                    link: tenant.url(ConsoleRoutes.home.path), tenant: tenant, in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: "task.done",
                        targetKind: "task", targetId: id.uuidString, ip: origin?.ip ?? "", userAgent: origin?.userAgent ?? ""), in: tx)
            }
            return try await repositories.tasks.find(id: id, organization: customer.organizationId, in: tx)
        }
        guard let task else { throw AppError.notFound("task") }
        return task
    }
}
