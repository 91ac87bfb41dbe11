import Foundation
import Postgres

extension StaffTasks {
    /// The console's task list with the names each row shows, looked up once per kind, not per row.
    struct Listing: Sendable {
        /// Up to `limit + 1` tasks: one more than shown says the list was cut.
        let tasks: [TaskItem]
        let organizations: [UUID: Organization]
        let customerNames: [UUID: String]
        let workOrderNumbers: [UUID: Int]
    }

    /// Tasks of every account or of the one with `accountNumber` (a validation error when there
    /// is none), newest first within open / done.
    func listing(accountNumber: String, status: TaskStatus?, limit: Int, tenant: TenantID) async throws -> Listing {
        try await pool.withTenant(tenant) { tx in
            var organizationId: UUID?
            if !accountNumber.isEmpty {
                guard let organization = try await repositories.organizations.find(accountNumber: accountNumber, in: tx) else {
                    throw AppError.validation(
                        ["account": L10n.t("console.tasks.noAccount", ["account": accountNumber])], message: L10n.t("console.tasks.filterFailed"))
                }
                organizationId = organization.id
            }
            let tasks = try await repositories.tasks.search(organization: organizationId, status: status, limit: limit + 1, in: tx)
            return Listing(
                tasks: tasks, organizations: try await repositories.organizations.find(ids: tasks.map(\.organizationId), in: tx),
                customerNames: try await repositories.customers.find(ids: tasks.compactMap(\.customerId), in: tx).mapValues(\.name),
                workOrderNumbers: try await repositories.workOrders.numbers(ids: tasks.compactMap(\.workOrderId), in: tx))
        }
    }

    /// The account a new task is for, by its number; nil when there is none.
    func account(number: String, tenant: TenantID) async throws -> Organization? {
        try await pool.withTenant(tenant) { tx in try await repositories.organizations.find(accountNumber: number, in: tx) }
    }

    /// Marks an open task done for the subscriber, audited; a conflict when it was done already.
    func markDone(_ id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> TaskItem {
        try await pool.withTenant(tenant) { tx in
            guard let task = try await repositories.tasks.find(id: id, organization: nil, in: tx) else { throw AppError.notFound("task") }
            guard try await repositories.tasks.markDone(id, by: nil, note: "Marked done by \(staff.displayName)", in: tx) else {
                throw AppError(.conflict, code: "already_done", L10n.t("console.tasks.alreadyDone"))
            }
            try await repositories.audit.record(
                .byStaff(
                    staff, "task.completed", targetKind: "task", targetId: id.uuidString.lowercased(), origin: origin, details: ["title": task.title]),
                in: tx)
            return task
        }
    }
}
