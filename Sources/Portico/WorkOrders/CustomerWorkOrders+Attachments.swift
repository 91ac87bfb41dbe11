import Foundation
import Postgres

extension CustomerWorkOrders {
    /// Attaches files to a draft or submitted order on their own (as the edit form does); once
    /// the order is locked, files go with a comment instead.
    public func attach(
        _ number: Int, attachments: [UploadedAttachment], customer: SignedInCustomer,
        tenant: ResolvedTenant
    ) async throws -> [AttachmentRecord] {
        guard !attachments.isEmpty else { throw AppError.validation(["file": "Attach at least one file."]) }
        let order = try await find(number, customer: customer, tenant: tenant)
        guard !order.status.isLockedForCustomer else {
            throw AppError(
                .conflict, code: "work_order_locked",
                "Work order #\(order.number) is \(order.status.label.lowercased()), so files can only be added with a comment now. Send a `comment` field with the files."
            )
        }
        return try await pool.withTenant(tenant.id) { tx in
            try await WorkOrderAttachments.checkRoom(
                for: order, adding: attachments.count, includeInternal: false,
                repositories: repositories, in: tx)
            var records: [AttachmentRecord] = []
            for file in attachments {
                records.append(
                    try await repositories.workOrders.addAttachment(file.record(workOrder: order.id, comment: nil, by: customer.actor), in: tx))
            }
            return records
        }
    }

    /// The files of one of the organization's orders that the subscriber may see (never
    /// internal ones, nor those on internal comments).
    public func attachments(of number: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> (WorkOrder, [AttachmentRecord]) {
        let order = try await find(number, customer: customer, tenant: tenant)
        let files = try await pool.withTenant(tenant.id) { tx in
            try await repositories.workOrders.attachments(of: order.id, includeInternal: false, in: tx)
        }
        return (order, files)
    }

    /// One such file; another organization's, an internal one or a missing one: the same 404.
    public func attachment(_ id: UUID, of number: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> AttachmentRecord {
        let organization = customer.organizationId
        let record = try await pool.withTenant(tenant.id) { tx -> AttachmentRecord? in
            guard let order = try await repositories.workOrders.find(number: number, organization: organization, draftsOf: customer.id, in: tx)
            else { return nil }
            return try await repositories.workOrders.attachment(id: id, workOrder: order.id, includeInternal: false, in: tx)
        }
        guard let record else { throw AppError.notFound("file") }
        return record
    }
}
