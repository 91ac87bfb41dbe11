import Foundation
import Mustache
import Postgres

extension StaffWorkOrders {
    /// A reply (shared, emailed) or an internal note, optionally with files. Files on an
    /// internal note are internal too: subscribers never see or download them.
    public func comment(
        _ number: Int, body: String, visibility: Visibility, staff: SignedInStaff, tenant: ResolvedTenant,
        attachments: [UploadedAttachment] = [], origin: RequestOrigin = RequestOrigin(ip: "", userAgent: "")
    ) async throws -> WorkOrderComment {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (!text.isEmpty || !attachments.isEmpty), text.count <= 10_000 else {
            throw AppError.validation(["body": "Write a message (at most 10,000 characters) or attach a file."])
        }
        return try await pool.withTenant(tenant.id) { tx in
            let order = try await find(number, staff: staff, in: tx)
            try await WorkOrderAttachments.checkRoom(
                for: order, adding: attachments.count, includeInternal: true,
                repositories: repositories, in: tx)
            let comment = try await repositories.workOrders.addComment(
                to: order.id, body: text.isEmpty ? "(attached files)" : text,
                visibility: visibility, by: staff.actor, in: tx)
            for file in attachments {
                let record = try await repositories.workOrders.addAttachment(
                    file.record(workOrder: order.id, comment: comment.id, by: staff.actor, visibility: visibility), in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "work_order.attachment_added",
                        targetKind: "work_order", targetId: String(order.number), ip: origin.ip, userAgent: origin.userAgent,
                        details: [
                            "attachment": record.id.uuidString.lowercased(), "file_name": record.fileName,
                            "size": String(record.sizeBytes), "sha256": record.sha256, "visibility": visibility.rawValue,
                        ]), in: tx)
            }
            if visibility == .shared {
                let mail = SubscriberMail(outbox: outbox)
                for customer in try await recipients(of: order, in: tx) {
                    try await mail.send(
                        .workOrderComment, to: customer, tenant: tenant,
                        values: WorkOrderMail.values(order, tenant: tenant, extra: ["author": staff.displayName, "comment": comment.body]), in: tx)
                }
            }
            try await webhooks.commentAdded(comment, to: order, tenant: tenant, in: tx)
            return comment
        }
    }
}
