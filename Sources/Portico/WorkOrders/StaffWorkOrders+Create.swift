import Foundation
import Mustache
import Postgres

extension StaffWorkOrders {
    /// Creates an order for an organization (submitted or straight to approved).
    public func create(
        for organization: UUID, input: WorkOrderInput, approve: Bool, staff: SignedInStaff, tenant: ResolvedTenant
    ) async throws -> WorkOrder {
        guard staff.role >= .agent else { throw AppError(.forbidden, code: "forbidden", L10n.t("errors.onlyAgentsCreate")) }
        return try await pool.withTenant(tenant.id) { tx in
            guard let org = try await repositories.organizations.find(id: organization, in: tx) else {
                throw AppError.validation(["organization": "Choose a subscriber account."])
            }
            let categories = try await WorkOrderCategories.active(in: tx).map(\.name)
            let problems = input.problems(categories: categories, requireComplete: false)
            guard problems.isEmpty else { throw AppError.validation(problems) }
            let order = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: org.id, title: input.title, description: input.description, category: input.category,
                    priority: WorkOrderPriority(rawValue: input.priority) ?? .normal, quantity: Int(input.quantity) ?? 1,
                    serviceLocation: input.serviceLocation.isEmpty ? org.serviceAddress : input.serviceLocation, preferredDates: input.preferredDates,
                    customerNotes: input.customerNotes, status: approve ? .approved : .submitted
                ), by: staff.actor, in: tx)
            if approve {
                try await tx.execute(
                    "UPDATE work_orders SET approved_at = now(), submitted_at = COALESCE(submitted_at, now()) WHERE id = \(order.id)")
            }
            if staff.kind == .integration {
                try await auditIntegration(
                    staff, action: "work_order.created", order: order,
                    details: ["account": org.accountNumber, "status": order.status.rawValue], in: tx)
            }
            try await webhooks.workOrderCreated(order, tenant: tenant, in: tx)
            return order
        }
    }
}
