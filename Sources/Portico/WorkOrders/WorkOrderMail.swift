import Foundation
import Postgres

/// What work-order emails show.
enum WorkOrderMail {
    static func values(
        _ order: WorkOrder, tenant: ResolvedTenant, reason: String? = nil, extra: [String: any Sendable] = [:]
    ) -> [String: any Sendable] {
        // Written in each recipient's language when the email renders (`MailText`).
        let status = order.status
        var values: [String: any Sendable] = [
            "number": order.number, "title": order.title, "status": MailText { status.label.lowercased() }, "progress": order.progress,
            "actionUrl": tenant.url(PortalRoutes.workOrder(order.number)),
        ]
        if let eta = order.estimatedCompletion { values["eta"] = MailText { DisplayDate.date(eta) } }
        if let reason, !reason.isEmpty { values["reason"] = reason }
        for (key, value) in extra { values[key] = value }
        return values
    }
}
