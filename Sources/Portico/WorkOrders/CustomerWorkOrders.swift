import Foundation
import Postgres

/// What a subscriber can do with their organization's work orders: drafts, submission,
/// edits until approval (versioned, at most 20 a day), cancellation, reopening, comments.
public struct CustomerWorkOrders: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let outbox: Outbox
    let notices: StaffNotices
    let rateLimiter: RateLimiter

    /// The categories a subscriber may choose for a new order.
    func activeCategories(tenant: TenantID) async throws -> [WorkOrderCategory] {
        try await pool.withTenant(tenant) { tx in try await WorkOrderCategories.active(in: tx) }
    }

    var webhooks: WebhookEvents { WebhookEvents(repositories: repositories) }
    public static let editsPerDay = RateLimit(
        name: "work-order-edits", limit: 20, window: .seconds(24 * 3600),
        baseBlock: .seconds(3600), maximumBlock: .seconds(24 * 3600))
    public static let reopenWindow: TimeInterval = 14 * 24 * 3600

    /// Only active categories may be chosen; an order being edited may keep the category it
    /// already has, even if an admin has deactivated it since.
    func validate(_ input: WorkOrderInput, submit: Bool, keeping current: String? = nil, in tx: TenantTransaction) async throws {
        let all = try await WorkOrderCategories.all(in: tx)
        let active = all.filter(\.active).map(\.name)
        let kept = current.map { $0.isEmpty ? [] : [$0] } ?? []
        var problems = input.problems(categories: active.isEmpty ? [] : active + kept, requireComplete: submit)
        if problems["category"] == nil, input.category != current, all.contains(where: { !$0.active && $0.name == input.category }) {
            problems["category"] = L10n.t("validation.workOrder.categoryRetired")
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
    }

    static var needsVerifiedEmail: AppError {
        AppError(.forbidden, code: "email_not_verified", L10n.t("validation.workOrder.needsVerifiedEmail"))
    }

    /// Creates a draft or submits a new order.
    public func create(
        _ input: WorkOrderInput, submit: Bool, customer: SignedInCustomer, tenant: ResolvedTenant,
        attachments: [UploadedAttachment] = []
    ) async throws -> WorkOrder {
        if submit && !customer.emailVerified { throw Self.needsVerifiedEmail }
        if attachments.count > WorkOrderAttachments.perOrder { throw WorkOrderAttachments.tooMany(number: nil, existing: 0) }
        return try await pool.withTenant(tenant.id) { tx in
            try await validate(input, submit: submit, in: tx)
            var location = input.serviceLocation
            if location.isEmpty {
                location = try await repositories.organizations.find(id: customer.organizationId, in: tx)?.serviceAddress ?? ""
            }
            let order = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: customer.organizationId, title: input.title, description: input.description, category: input.category,
                    priority: WorkOrderPriority(rawValue: input.priority) ?? .normal, quantity: Int(input.quantity) ?? 1,
                    serviceLocation: location, preferredDates: input.preferredDates, customerNotes: input.customerNotes,
                    status: submit ? .submitted : .draft
                ), by: customer.actor, in: tx)
            for file in attachments {
                _ = try await repositories.workOrders.addAttachment(file.record(workOrder: order.id, comment: nil, by: customer.actor), in: tx)
            }
            if submit { try await announceSubmission(order, customer: customer, tenant: tenant, in: tx) }
            try await webhooks.workOrderCreated(order, tenant: tenant, in: tx)
            return order
        }
    }

    func announceSubmission(_ order: WorkOrder, customer: SignedInCustomer, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        if let submitter = try await repositories.customers.find(id: customer.id, in: tx) {
            try await SubscriberMail(outbox: outbox).send(
                .workOrderReceived, to: submitter, tenant: tenant,
                values: WorkOrderMail.values(order, tenant: tenant), in: tx)
        }
        try await notices.send(
            .workOrderSubmitted, ["customer": customer.name, "number": order.number, "title": order.title],
            link: tenant.url(ConsoleRoutes.workOrder(order.number)), tenant: tenant, in: tx)
    }

    /// The organization's order with this number; another organization's, and another
    /// member's draft, are as missing as a number that does not exist.
    public func find(_ number: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> WorkOrder {
        let order = try await pool.withTenant(tenant.id) { tx in
            try await repositories.workOrders.find(number: number, organization: customer.organizationId, draftsOf: customer.id, in: tx)
        }
        guard let order else { throw AppError.notFound("work order") }
        return order
    }

    /// Everything the subscriber's detail page shows, in one transaction.
    public struct Detail: Sendable {
        public let order: WorkOrder
        public let history: [WorkOrderChange]
        public let comments: [WorkOrderComment]
        public let attachments: [AttachmentRecord]
        public let technician: String?
    }

    /// The order (as `find` sees it) with its history, shared comments, shared attachments
    /// and its technician's name.
    public func detail(_ number: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> Detail {
        try await pool.withTenant(tenant.id) { tx in
            guard
                let order = try await repositories.workOrders.find(
                    number: number, organization: customer.organizationId, draftsOf: customer.id, in: tx)
            else { throw AppError.notFound("work order") }
            // Everything else about it in one round trip, with the transaction's COMMIT.
            let (history, comments, attachments, technician) = try await tx.commit(
                after: repositories.workOrders.historyQuery(of: order.id),
                repositories.workOrders.commentsQuery(of: order.id, includeInternal: false),
                repositories.workOrders.attachmentsQuery(of: order.id, includeInternal: false),
                repositories.staff.findQuery(id: order.assigneeId))
            return Detail(
                order: order, history: history, comments: comments, attachments: attachments, technician: technician?.displayName)
        }
    }

    /// Edits a draft or submitted order; `submit` also submits a draft. The edit applies only
    /// if nobody changed the order since `version`.
    public func edit(
        _ number: Int, input: WorkOrderInput, version: Int, submit: Bool, customer: SignedInCustomer,
        tenant: ResolvedTenant, attachments: [UploadedAttachment] = []
    ) async throws -> WorkOrder {
        let order = try await find(number, customer: customer, tenant: tenant)
        guard !order.status.isLockedForCustomer else { throw Self.locked(order) }
        if submit && !customer.emailVerified { throw Self.needsVerifiedEmail }
        let bucket = RateLimiter.bucket(Self.editsPerDay, tenant.id.description, order.id.uuidString)
        let check = try await rateLimiter.check(Self.editsPerDay, bucket: bucket)
        if !check.allowed {
            throw AppError(
                .tooManyRequests, code: "too_many_edits",
                L10n.t("validation.workOrder.tooManyEdits", ["number": "#\(order.number)"]),
                retryAfter: check.retryAfter)
        }
        let updated = try await pool.withTenant(tenant.id) { tx in
            try await validate(input, submit: submit || order.status == .submitted, keeping: order.category, in: tx)
            var changes = input.changes(from: order)
            if submit && order.status == .draft { changes.append(.init(.status, WorkOrderStatus.submitted.rawValue)) }
            let updated = try await repositories.workOrders.update(
                order, changes: changes, expectedVersion: version, by: customer.actor,
                reason: "", in: tx)
            try await WorkOrderAttachments.checkRoom(
                for: order, adding: attachments.count, includeInternal: false,
                repositories: repositories, in: tx)
            for file in attachments {
                _ = try await repositories.workOrders.addAttachment(file.record(workOrder: order.id, comment: nil, by: customer.actor), in: tx)
            }
            if submit && order.status == .draft { try await announceSubmission(updated, customer: customer, tenant: tenant, in: tx) }
            try await webhooks.workOrderChanged(from: order, to: updated, tenant: tenant, in: tx)
            return updated
        }
        if updated.version != order.version { _ = try await rateLimiter.hit(Self.editsPerDay, bucket: bucket) }
        return updated
    }

    /// Not a concurrent edit: the order moved past the point where its subscriber may change it.
    static func locked(_ order: WorkOrder) -> AppError {
        var error = AppError(
            .conflict, code: "work_order_locked",
            L10n.t("validation.workOrder.locked", ["number": "#\(order.number)", "status": order.status.label.lowercased()]))
        error.heading = "This work order can no longer be edited"
        error.link = AppError.Link(href: PortalRoutes.workOrder(order.number), label: "Open work order #\(order.number)")
        return error
    }

    /// Cancels a draft or submitted order, with a reason.
    public func cancel(_ number: Int, reason: String, version: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> WorkOrder {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 2000 else {
            throw AppError.validation(["reason": L10n.t("validation.workOrder.cancelReason")])
        }
        let order = try await find(number, customer: customer, tenant: tenant)
        guard order.status == .submitted || order.status == .draft else {
            throw AppError(
                .conflict, code: "cannot_cancel",
                L10n.t("validation.workOrder.cannotCancel", ["number": "#\(order.number)", "status": order.status.label.lowercased()]))
        }
        return try await pool.withTenant(tenant.id) { tx in
            let updated = try await repositories.workOrders.update(
                order, changes: [.init(.status, WorkOrderStatus.cancelled.rawValue), .init(.closedReason, trimmed)],
                expectedVersion: version, by: customer.actor, reason: trimmed, in: tx)
            if order.status == .submitted {
                try await notices.send(
                    .workOrderCancelled, ["customer": customer.name, "number": order.number, "title": order.title, "reason": trimmed],
                    link: tenant.url(ConsoleRoutes.workOrder(order.number)), tenant: tenant, in: tx)
            }
            try await webhooks.workOrderChanged(from: order, to: updated, tenant: tenant, in: tx)
            return updated
        }
    }

    /// Reopens an order completed less than 14 days ago.
    public func reopen(_ number: Int, reason: String, version: Int, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> WorkOrder {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 2000 else {
            throw AppError.validation(["reason": L10n.t("validation.workOrder.reopenReason")])
        }
        let order = try await find(number, customer: customer, tenant: tenant)
        guard order.status == .completed, let completed = order.completedAt, Date().timeIntervalSince(completed) <= Self.reopenWindow else {
            throw AppError(
                .conflict, code: "cannot_reopen",
                L10n.t("validation.workOrder.cannotReopen"))
        }
        return try await pool.withTenant(tenant.id) { tx in
            let updated = try await repositories.workOrders.update(
                order, changes: [.init(.status, WorkOrderStatus.inProgress.rawValue), .init(.progress, "0")],
                expectedVersion: version, by: customer.actor, reason: "Reopened: \(trimmed)", in: tx)
            try await notices.send(
                .workOrderReopened, ["customer": customer.name, "number": order.number, "title": order.title, "reason": trimmed],
                link: tenant.url(ConsoleRoutes.workOrder(order.number)), tenant: tenant, in: tx)
            try await webhooks.workOrderChanged(from: order, to: updated, tenant: tenant, in: tx)
            return updated
        }
    }

    /// What the work-order form offers: the active categories, and the files the subscriber sees
    /// on the order being edited (none for a new one).
    func formChoices(
        editing order: WorkOrder?, tenant: ResolvedTenant
    ) async throws -> (categories: [WorkOrderCategory], attachments: [AttachmentRecord]) {
        try await pool.withTenant(tenant.id) { tx in
            (
                try await WorkOrderCategories.active(in: tx),
                try await order.asyncMap { try await repositories.workOrders.attachments(of: $0.id, includeInternal: false, in: tx) } ?? []
            )
        }
    }

    /// The organization's service address: where a new order's work happens unless it says otherwise.
    func serviceAddress(customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> String {
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.organizations.find(id: customer.organizationId, in: tx)?.serviceAddress ?? ""
        }
    }

    /// Every recorded change of an order the caller has already found (internal notes included:
    /// the caller filters what its viewer may see).
    func history(of order: WorkOrder, tenant: ResolvedTenant) async throws -> [WorkOrderChange] {
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.workOrders.history(of: order.id, in: tx)
        }
    }

    /// What the subscriber sees of an order's past: every field change but internal notes, and
    /// the shared comments (never internal ones).
    public func timeline(
        of number: Int, customer: SignedInCustomer, tenant: ResolvedTenant
    ) async throws -> (WorkOrder, [WorkOrderChange], [WorkOrderComment]) {
        let order = try await find(number, customer: customer, tenant: tenant)
        let (changes, comments) = try await pool.withTenant(tenant.id) { tx in
            (
                try await repositories.workOrders.history(of: order.id, in: tx),
                try await repositories.workOrders.comments(of: order.id, includeInternal: false, in: tx)
            )
        }
        return (order, changes.filter { $0.field != WorkOrderFieldChange.Field.internalNotes.rawValue }, comments)
    }

    /// A page of the organization's orders (newest first), how many match in all, and the
    /// categories to filter by: the portal's list, in one round trip.
    func list(
        _ filter: WorkOrderFilter, limit: Int, offset: Int, customer: SignedInCustomer,
        tenant: ResolvedTenant
    ) async throws -> (orders: [WorkOrder], total: Int, categories: [WorkOrderCategory]) {
        var scoped = filter
        scoped.organizationId = customer.organizationId
        scoped.draftsOf = customer.id
        return try await pool.read(
            tenant.id,
            repositories.workOrders.listQuery(scoped, limit: limit, offset: offset),
            repositories.workOrders.countQuery(scoped),
            WorkOrderCategories.allQuery)
    }

    public func page(
        _ filter: WorkOrderFilter, after cursor: WorkOrderCursor?, limit: Int, customer: SignedInCustomer,
        tenant: ResolvedTenant
    ) async throws -> [WorkOrder] {
        var scoped = filter
        scoped.organizationId = customer.organizationId
        scoped.draftsOf = customer.id
        return try await pool.withTenant(tenant.id) { tx in
            try await repositories.workOrders.page(scoped, sort: .updated, after: cursor, limit: limit, in: tx)
        }
    }
}
