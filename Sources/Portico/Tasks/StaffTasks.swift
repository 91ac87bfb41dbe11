import Foundation
import Postgres

/// Tasks staff set for a subscriber ("grant roof access"): for a whole organization or one of
/// its members, optionally about one of its work orders, with an optional due date. Audited;
/// the member (or, for the organization, its owners) is emailed per the notification settings
/// in the same transaction.
public struct StaffTasks: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let outbox: Outbox

    /// The task form as typed (field names carry a `task_` prefix so the form can sit on
    /// pages with other forms).
    public struct Input: Sendable {
        public var title: String
        public var details: String
        public var due: String
        public var customerEmail: String
        public var workOrder: String

        public init(form: FormFields) {
            title = form.text("task_title")
            details = form.text("task_details")
            due = form.text("task_due")
            customerEmail = form.text("task_customer")
            workOrder = form.text("task_work_order").trimmingCharacters(in: CharacterSet(charactersIn: "# "))
        }
    }

    public func create(
        _ input: Input, for organization: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: ResolvedTenant,
        today: String = ISODates.today()
    ) async throws -> TaskItem {
        guard staff.role >= .agent else { throw AppError(.forbidden, code: "forbidden", L10n.t("console.tasks.onlyAgents")) }
        var problems: [String: String] = [:]
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty || title.count > 200 { problems["task_title"] = L10n.t("console.tasks.titleNeeded") }
        if input.details.count > 5000 { problems["task_details"] = L10n.atMostCharacters(5000, grouped: true) }
        if !input.due.isEmpty {
            if !DateInput.isISODate(input.due) {
                problems["task_due"] = L10n.t("console.tasks.dueLike")
            } else if input.due < today {
                problems["task_due"] = L10n.t("console.tasks.dueFuture")
            }
        }
        return try await pool.withTenant(tenant.id) { tx in
            guard let org = try await repositories.organizations.find(id: organization, in: tx) else { throw AppError.notFound("subscriber account") }
            var customer: Customer?
            let email = input.customerEmail.trimmingCharacters(in: .whitespaces)
            if !email.isEmpty {
                customer = try await repositories.customers.find(email: String(email.prefix(254)), in: tx)
                if customer?.organizationId != org.id {
                    customer = nil
                    problems["task_customer"] = L10n.t("console.tasks.noMember", ["organization": org.name, "email": String(email.prefix(254))])
                }
            }
            var workOrder: WorkOrder?
            if !input.workOrder.isEmpty {
                workOrder =
                    try await Int(input.workOrder).asyncMap { try await repositories.workOrders.find(number: $0, organization: org.id, in: tx) }
                    ?? nil
                if workOrder == nil {
                    problems["task_work_order"] = L10n.t("console.tasks.notTheirOrder", ["number": String(input.workOrder.prefix(12))])
                }
            }
            guard problems.isEmpty else { throw AppError.validation(problems) }
            let task = try await repositories.tasks.create(
                NewTask(
                    organizationId: org.id, customerId: customer?.id, workOrderId: workOrder?.id,
                    title: title, details: input.details, dueDate: input.due.isEmpty ? nil : input.due,
                    createdByStaffId: staff.id), in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "task.created",
                    targetKind: "task", targetId: task.id.uuidString.lowercased(), ip: origin.ip,
                    userAgent: origin.userAgent,
                    details: ["account": org.accountNumber, "title": title, "customer": customer?.email ?? ""]), in: tx)
            var recipients: [Customer]
            if let customer {
                recipients = [customer]
            } else {
                recipients = try await repositories.customers.members(of: org.id, in: tx).filter { $0.role == .owner }
            }
            let mail = SubscriberMail(outbox: outbox)
            for member in recipients {
                try await mail.send(
                    .taskAssigned, to: member, tenant: tenant,
                    values: [
                        "title": task.title, "details": task.details,
                        "due": task.dueDate.map { due -> any Sendable in MailText { DisplayDate.day(due) } } ?? "",
                        "actionUrl": tenant.url(PortalRoutes.tasks.path),
                    ], in: tx)
            }
            return task
        }
    }
}
