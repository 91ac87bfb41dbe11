import Foundation
import Postgres

extension CustomerWorkOrders {
    /// Adds a comment (shared with staff) to any of the organization's orders.
    public func comment(
        _ number: Int, body: String, customer: SignedInCustomer, tenant: ResolvedTenant,
        attachments: [UploadedAttachment] = []
    ) async throws -> WorkOrderComment {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty || !attachments.isEmpty else { throw AppError.validation(["body": L10n.t("validation.workOrder.emptyMessage")]) }
        guard text.count <= 10_000 else { throw AppError.validation(["body": L10n.atMostCharacters(10_000, grouped: true)]) }
        let order = try await find(number, customer: customer, tenant: tenant)
        return try await pool.withTenant(tenant.id) { tx in
            try await WorkOrderAttachments.checkRoom(
                for: order, adding: attachments.count, includeInternal: false,
                repositories: repositories, in: tx)
            let comment = try await repositories.workOrders.addComment(
                to: order.id, body: text.isEmpty ? "(attached files)" : text,
                visibility: .shared, by: customer.actor, in: tx)
            for file in attachments {
                _ = try await repositories.workOrders.addAttachment(file.record(workOrder: order.id, comment: comment.id, by: customer.actor), in: tx)
            }
            try await webhooks.commentAdded(comment, to: order, tenant: tenant, in: tx)
            return comment
        }
    }
}
