import Foundation
import Mustache
import Postgres

/// What staff do with work orders: review (approve / reject), move along the pipeline, set
/// progress, ETA, due date, assignee and priority, write shop and internal notes, reply, and
/// create orders for an organization. Every change lands in the history with the staff
/// member's name and reason, and the subscriber is emailed per the tenant's settings.
/// Technicians reach only the orders assigned to them.
public struct StaffWorkOrders: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let outbox: Outbox

    var webhooks: WebhookEvents { WebhookEvents(repositories: repositories) }

    /// The order, if this staff member may see it (technicians: only assigned ones).
    public func find(_ number: Int, staff: SignedInStaff, in tx: TenantTransaction) async throws -> WorkOrder {
        guard let order = try await repositories.workOrders.find(number: number, organization: nil, in: tx),
            staff.role != .technician || order.assigneeId == staff.id
        else { throw AppError.notFound("work order") }
        return order
    }

    /// How many files an order this staff member may see carries (internal ones included): the
    /// upload limit's count, answered (or 404) before a byte of the body is read.
    func attachmentCount(of number: Int, staff: SignedInStaff, tenant: TenantID) async throws -> Int {
        try await pool.withTenant(tenant) { tx in
            let order = try await find(number, staff: staff, in: tx)
            return try await repositories.workOrders.attachments(of: order.id, includeInternal: true, in: tx).count
        }
    }

    /// A file of an order this staff member may see; anything else is the same 404.
    func attachment(_ id: UUID, of number: Int, staff: SignedInStaff, tenant: TenantID) async throws -> AttachmentRecord {
        let record = try await pool.withTenant(tenant) { tx -> AttachmentRecord? in
            let order: WorkOrder
            do {
                order = try await find(number, staff: staff, in: tx)
            } catch let error as AppError where error.kind == .notFound {
                return nil
            }
            return try await repositories.workOrders.attachment(id: id, workOrder: order.id, includeInternal: true, in: tx)
        }
        guard let record else { throw AppError.notFound("file") }
        return record
    }

    /// The categories a new order may take.
    func activeCategories(tenant: TenantID) async throws -> [WorkOrderCategory] {
        try await pool.withTenant(tenant) { tx in try await WorkOrderCategories.active(in: tx) }
    }

    /// The subscriber account a new order is for, by its account number.
    func organization(accountNumber: String, tenant: TenantID) async throws -> Organization? {
        try await pool.withTenant(tenant) { tx in
            try await repositories.organizations.find(accountNumber: accountNumber, in: tx)
        }
    }

    /// Everything the console's queue shows, in one round trip: a page of orders (one more
    /// than asked, to know if another page follows) with their organizations' names, the
    /// total, the team and the categories.
    struct Queue: Sendable {
        let orders: [WorkOrder]
        let total: Int
        let organizationNames: [UUID: String]
        let team: [StaffUser]
        let categories: [WorkOrderCategory]
    }

    /// `accountNumber` narrows the filter to that subscriber; an unknown one is a validation error.
    func queue(
        _ filter: WorkOrderFilter, accountNumber: String?, sort: WorkOrderSort, after cursor: WorkOrderCursor?, limit: Int,
        tenant: TenantID
    ) async throws -> Queue {
        var filter = filter
        filter.accountNumber = accountNumber
        let (rows, total, team, categories) = try await pool.read(
            tenant,
            repositories.workOrders.pageNamingOrganizations(filter, sort: sort, after: cursor, limit: limit),
            repositories.workOrders.countQuery(filter), repositories.staff.allQuery, WorkOrderCategories.allQuery)
        // No orders for an account number: say so if no subscriber has it (a second look, only then).
        if let accountNumber, rows.isEmpty, try await organization(accountNumber: accountNumber, tenant: tenant) == nil {
            throw AppError.validation(["account": "No subscriber has the account number \(accountNumber)."])
        }
        return Queue(
            orders: rows.map(\.order), total: total,
            organizationNames: Dictionary(rows.map { ($0.order.organizationId, $0.organizationName) }, uniquingKeysWith: { first, _ in first }),
            team: team, categories: categories)
    }

    /// Everything the console's detail page shows, in one transaction.
    struct Detail: Sendable {
        let order: WorkOrder
        let organization: Organization?
        let history: [WorkOrderChange]
        let comments: [WorkOrderComment]
        let attachments: [AttachmentRecord]
        let team: [StaffUser]
        let appointments: [AppointmentLink]
    }

    func detail(_ number: Int, staff: SignedInStaff, tenant: TenantID) async throws -> Detail {
        try await pool.withTenant(tenant) { tx in
            let order = try await find(number, staff: staff, in: tx)
            // Everything else about it in one round trip, with the transaction's COMMIT.
            let (organization, history, comments, attachments, team, appointments) = try await tx.commit(
                after: repositories.organizations.findQuery(id: order.organizationId),
                repositories.workOrders.historyQuery(of: order.id),
                repositories.workOrders.commentsQuery(of: order.id, includeInternal: true),
                repositories.workOrders.attachmentsQuery(of: order.id, includeInternal: true),
                repositories.staff.allQuery,
                AppointmentLink.query(AppointmentFilter(workOrderId: order.id), staff: staff, repositories: repositories))
            return Detail(
                order: order, organization: organization, history: history, comments: comments, attachments: attachments, team: team,
                appointments: AppointmentLink.links(appointments, team: team))
        }
    }

    /// What a staff member asks to change on an order.
    public struct Update: Sendable {
        public var status: WorkOrderStatus?
        public var progress: Int?
        public var estimatedCompletion: String?  // yyyy-mm-dd, "" clears
        public var dueDate: String?  // yyyy-mm-dd, "" clears
        public var assigneeId: String?  // uuid, "" clears
        public var priority: WorkOrderPriority?
        public var shopNotes: String?
        public var internalNotes: String?
        public var reason: String

        public init(
            status: WorkOrderStatus? = nil, progress: Int? = nil, estimatedCompletion: String? = nil, dueDate: String? = nil,
            assigneeId: String? = nil, priority: WorkOrderPriority? = nil, shopNotes: String? = nil, internalNotes: String? = nil,
            reason: String = ""
        ) {
            self.status = status
            self.progress = progress
            self.estimatedCompletion = estimatedCompletion
            self.dueDate = dueDate
            self.assigneeId = assigneeId
            self.priority = priority
            self.shopNotes = shopNotes
            self.internalNotes = internalNotes
            self.reason = reason
        }
    }

    static func transitionError(_ order: WorkOrder, to status: WorkOrderStatus) -> AppError {
        let allowed = order.status.staffTransitions.map(\.label)
        let list = allowed.isEmpty ? "none: it is closed" : allowed.joined(separator: ", ")
        return AppError(
            .conflict, code: "invalid_transition",
            "Work order #\(order.number) cannot go from \(order.status.label) to \(status.label). From \(order.status.label) it can go to: \(list).",
            fields: ["status": "Allowed: \(list)"])
    }

    /// Applies an update (with the optimistic version check) and sends the emails it causes.
    public func update(_ number: Int, _ update: Update, version: Int, staff: SignedInStaff, tenant: ResolvedTenant) async throws -> WorkOrder {
        var problems: [String: String] = [:]
        if let progress = update.progress, !(0...100).contains(progress) { problems["progress"] = "Enter a percentage from 0 to 100." }
        if let eta = update.estimatedCompletion, !eta.isEmpty, !DateInput.isISODate(eta) {
            problems["estimated_completion"] = "Use a date like 2024-06-30."
        }
        if let due = update.dueDate, !due.isEmpty, !DateInput.isISODate(due) { problems["due_date"] = "Use a date like 2024-06-30." }
        if let notes = update.shopNotes, notes.count > 5000 { problems["shop_notes"] = "Use at most 5,000 characters." }
        if let notes = update.internalNotes, notes.count > 10_000 { problems["internal_notes"] = "Use at most 10,000 characters." }
        if update.reason.count > 2000 { problems["reason"] = "Use at most 2,000 characters." }
        guard problems.isEmpty else { throw AppError.validation(problems) }

        return try await pool.withTenant(tenant.id) { tx in
            let order = try await find(number, staff: staff, in: tx)
            var changes: [WorkOrderFieldChange] = []
            if let status = update.status, status != order.status {
                guard order.status.staffTransitions.contains(status) else { throw Self.transitionError(order, to: status) }
                if status == .rejected || status == .cancelled {
                    guard !update.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw AppError.validation(["reason": "Give a reason: the subscriber will see it."])
                    }
                    changes.append(.init(.closedReason, update.reason))
                }
                changes.append(.init(.status, status.rawValue))
                if status == .completed { changes.append(.init(.progress, "100")) }
            }
            if let progress = update.progress, update.status != .completed { changes.append(.init(.progress, String(progress))) }
            if let eta = update.estimatedCompletion {
                // An ETA is a day: stored as 17:00 there (never a skipped hour), so it reads as that day.
                changes.append(
                    .init(
                        .estimatedCompletion, eta.isEmpty ? nil : try DateInput.time(eta, "17:00", field: "estimated_completion").map(ISODates.format)
                    ))
            }
            if let due = update.dueDate { changes.append(.init(.dueDate, due.isEmpty ? nil : due)) }
            if let assignee = update.assigneeId {
                if assignee.isEmpty {
                    changes.append(.init(.assigneeId, nil, display: "Nobody"))
                } else {
                    guard staff.role >= .agent else {
                        throw AppError(.forbidden, code: "forbidden", L10n.t("errors.onlyAgentsAssign"))
                    }
                    guard let id = UUID(uuidString: assignee), let person = try await repositories.staff.find(id: id, in: tx),
                        person.status == .active
                    else {
                        throw AppError.validation(["assignee_id": "Choose an active staff member."])
                    }
                    changes.append(.init(.assigneeId, id.uuidString.lowercased(), display: person.displayName))
                }
            }
            if let priority = update.priority { changes.append(.init(.priority, priority.rawValue)) }
            if let notes = update.shopNotes { changes.append(.init(.shopNotes, notes)) }
            if let notes = update.internalNotes { changes.append(.init(.internalNotes, notes)) }
            let updated = try await repositories.workOrders.update(
                order, changes: changes, expectedVersion: version, by: staff.actor,
                reason: update.reason, in: tx)
            try await notify(before: order, after: updated, reason: update.reason, tenant: tenant, in: tx)
            if staff.kind == .integration && updated.version != order.version {
                try await auditIntegration(
                    staff, action: "work_order.updated", order: updated,
                    details: ["status": "\(order.status.rawValue) → \(updated.status.rawValue)", "reason": update.reason], in: tx)
            }
            try await webhooks.workOrderChanged(from: order, to: updated, tenant: tenant, in: tx)
            return updated
        }
    }

    /// Staff changes live in the order's history; an integration's writes are audited too, so
    /// the audit log shows what each API key did.
    func auditIntegration(_ staff: SignedInStaff, action: String, order: WorkOrder, details: [String: String], in tx: TenantTransaction) async throws
    {
        try await repositories.audit.record(
            .init(
                actorKind: staff.kind.rawValue, actorId: staff.id, actorLabel: staff.email, action: action,
                targetKind: "work_order", targetId: String(order.number), details: details), in: tx)
    }

    /// Approves a submitted order, optionally setting ETA, priority and assignee.
    public func approve(
        _ number: Int, version: Int, eta: String?, priority: WorkOrderPriority?, assignee: String?, staff: SignedInStaff,
        tenant: ResolvedTenant
    ) async throws -> WorkOrder {
        try await update(
            number,
            Update(
                status: .approved, estimatedCompletion: eta?.isEmpty == true ? nil : eta, assigneeId: assignee?.isEmpty == true ? nil : assignee,
                priority: priority, reason: "Approved"), version: version, staff: staff, tenant: tenant)
    }

    /// Rejects a submitted order; the reason is required and sent to the subscriber.
    public func reject(_ number: Int, version: Int, reason: String, staff: SignedInStaff, tenant: ResolvedTenant) async throws -> WorkOrder {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw AppError.validation(["reason": "Give a reason for the rejection: the subscriber will see it."])
        }
        return try await update(number, Update(status: .rejected, reason: reason), version: version, staff: staff, tenant: tenant)
    }

    /// Who hears about an order: the customer who created it, else the organization's owners.
    func recipients(of order: WorkOrder, in tx: TenantTransaction) async throws -> [Customer] {
        if let creator = order.createdByCustomerId, let customer = try await repositories.customers.find(id: creator, in: tx),
            customer.organizationId == order.organizationId
        {
            return [customer]
        }
        return try await repositories.customers.members(of: order.organizationId, in: tx).filter { $0.role == .owner }
    }

    /// One email per change that matters to the subscriber.
    func notify(before: WorkOrder, after: WorkOrder, reason: String, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        guard before.version != after.version else { return }
        var kinds: [NotificationKind] = []
        if before.status != after.status {
            switch after.status {
            case .approved: kinds.append(.workOrderApproved)
            case .rejected: kinds.append(.workOrderRejected)
            case .completed: kinds.append(.workOrderCompleted)
            case .draft, .submitted: break
            default: kinds.append(.workOrderStatusChanged)
            }
        } else if before.progress != after.progress || before.estimatedCompletion != after.estimatedCompletion {
            kinds.append(.workOrderProgress)
        }
        guard !kinds.isEmpty else { return }
        let mail = SubscriberMail(outbox: outbox)
        for customer in try await recipients(of: after, in: tx) {
            for kind in kinds {
                try await mail.send(kind, to: customer, tenant: tenant, values: WorkOrderMail.values(after, tenant: tenant, reason: reason), in: tx)
            }
        }
    }

    /// The outcome of one row of a bulk action.
    @MustacheView
    public struct BulkResult: Sendable {
        public let number: Int
        public let ok: Bool
        public let message: String
    }
}
