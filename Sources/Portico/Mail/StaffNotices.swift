import Foundation
import Postgres

/// Tells the tenant's active admins and agents about something a subscriber did (a new work
/// order, a reschedule request, a task done), unless the tenant switched these notices off.
public struct StaffNotices: Sendable {
    let outbox: Outbox
    let repositories: Repositories

    /// What happened: the catalog's `email.staff_notice.<rawValue>.subject` and `.message`.
    public enum Notice: String, Sendable {
        case workOrderSubmitted = "work_order_submitted"
        case workOrderCancelled = "work_order_cancelled"
        case workOrderReopened = "work_order_reopened"
        case appointmentConfirmed = "appointment_confirmed"
        case rescheduleRequested = "reschedule_requested"
        case taskDone = "task_done"
    }

    /// Sends `notice` with `values` filled into its texts, each staff member in their own
    /// language (values that are `MailText` too). A non-empty `note` (as the subscriber wrote
    /// it) follows the message.
    public func send(
        _ notice: Notice, _ values: [String: any Sendable], note: String = "", link: String, tenant: ResolvedTenant, in tx: TenantTransaction
    ) async throws {
        let staff = try await repositories.staff.all(in: tx).filter { $0.status == .active && $0.role >= .agent }
        let key = "email.staff_notice.\(notice.rawValue)"
        let subject = MailText { L10n.t(key + ".subject", values.mapValues { "\($0)" }) }
        let message = MailText {
            let text = L10n.t(key + ".message", values.mapValues { "\($0)" })
            return note.isEmpty ? text : text + " " + L10n.t("email.staff_notice.note", ["note": note])
        }
        for member in staff {
            try await outbox.enqueue(
                .staffNotice, to: member.email, name: member.displayName, tenant: tenant,
                values: ["subjectLine": subject, "message": message, "actionUrl": link], in: tx)
        }
    }
}
