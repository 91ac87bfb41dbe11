import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminWorkOrdersController {
    // MARK: Detail

    @MustacheView
    struct DetailView {
        let layout: LayoutModel
        let number: Int
        let title: String
        let status: String
        let statusLabel: String
        let organization: String
        let organizationHref: String
        let accountNumber: String
        let priority: String
        let category: String
        let quantity: Int
        let description: String
        let serviceLocation: String
        let preferredDates: String
        let customerNotes: String
        let shopNotes: String
        let internalNotes: String
        let progress: Int
        let eta: String
        let due: String
        let closedReason: String
        let version: Int
        let overdue: Bool
        let isSubmitted: Bool
        let transitions: [Option]
        let assignees: [Option]
        let priorities: [Option]
        let canAssign: Bool
        let history: [HistoryEntry]
        let comments: [Comment]
        let attachments: [PortalWorkOrdersController.AttachmentView]
        let attachmentSlots: Int
        let attachmentHint: String
        let canAttach: Bool
        let acceptedFiles: String
        let form: FormView
        let eventsUrl: String
        let appointments: [AppointmentLink]
        let newAppointmentHref: String?
        @MustacheView
        struct Comment { let author: String; let when: String; let body: String; let isInternal: Bool }
    }

    func renderDetail(
        _ number: Int, context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let staff = context.staff
        let data = try await service.detail(number, staff: staff, tenant: context.tenant.id)
        let (order, organization, history, comments, attachments, team, appointments) = (
            data.order, data.organization, data.history, data.comments, data.attachments, data.team, data.appointments
        )
        let encodedAccount: String = (organization?.accountNumber ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let newAppointmentHref: String? =
            staff.role >= .agent ? "\(ConsoleRoutes.newAppointment.path)?account=\(encodedAccount)&work_order=\(order.number)" : nil
        let texts = L10n.texts
        var layout = context.layout(title: texts("console.workOrder.title", ["number": "\(order.number)"]), current: ConsoleRoutes.workOrders.path)
        layout.notice = notice
        layout.printable = true
        let view = DetailView(
            layout: layout, number: order.number, title: order.title, status: order.status.rawValue, statusLabel: order.status.label,
            organization: organization?.name ?? "", organizationHref: ConsoleRoutes.customer(order.organizationId),
            accountNumber: organization?.accountNumber ?? "", priority: order.priority.label, category: order.category, quantity: order.quantity,
            description: order.description, serviceLocation: order.serviceLocation, preferredDates: order.preferredDates,
            customerNotes: order.customerNotes, shopNotes: form.values["shop_notes"] ?? order.shopNotes,
            internalNotes: form.values["internal_notes"] ?? order.internalNotes, progress: order.progress,
            eta: order.estimatedCompletion.map { ISODates.today($0) } ?? "", due: order.dueDate ?? "", closedReason: order.closedReason,
            version: order.version, overdue: order.isOverdue(today: ISODates.today()), isSubmitted: order.status == .submitted,
            transitions: [Option(value: "", label: texts("console.workOrder.keep", ["status": order.status.label]), selected: true)]
                + order.status.staffTransitions.map { Option(value: $0.rawValue, label: $0.label, selected: false) },
            assignees: [Option(value: "", label: texts("console.workOrder.nobody"), selected: order.assigneeId == nil)]
                + team.filter { $0.status == .active }.map {
                    Option(
                        value: $0.id.uuidString.lowercased(), label: "\($0.displayName) (\($0.role.consoleLabel))",
                        selected: $0.id == order.assigneeId)
                },
            priorities: WorkOrderPriority.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == order.priority) },
            canAssign: staff.role >= .agent,
            history: history.map { HistoryEntry($0, viewer: nil) }.reversed(),
            comments: comments.map {
                .init(author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), body: $0.body, isInternal: $0.visibility == .internalOnly)
            },
            attachments: attachments.map { .init($0, base: ConsoleRoutes.workOrder(order.number)) },
            attachmentSlots: max(0, WorkOrderAttachments.perOrder - attachments.count),
            attachmentHint: WorkOrderAttachments.hint(slots: max(0, WorkOrderAttachments.perOrder - attachments.count)),
            canAttach: attachments.count < WorkOrderAttachments.perOrder,
            acceptedFiles: PortalWorkOrdersController.acceptedFiles,
            form: FormView(form), eventsUrl: "\(ConsoleRoutes.events.path)?work_order=\(order.number)",
            appointments: appointments, newAppointmentHref: newAppointmentHref
        )
        return try renderer.render(.adminWorkOrdersDetail, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func detail(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderDetail(try Self.number(context), context: context)
    }

    /// Runs a change; problems re-render the page with what was typed and the reason.
    func act(_ number: Int, context: StaffRequestContext, form: FormFields, notice: String, _ action: () async throws -> Void) async throws -> HTML {
        do {
            try await action()
            return try await renderDetail(number, context: context, notice: notice)
        } catch let error as AppError where [.validation, .conflict, .forbidden].contains(error.kind) {
            var state = FormState.keeping(form)
            state.errors = error.fields
            state.message = error.message
            return try await renderDetail(number, context: context, form: state, status: error.status)
        }
    }

    @Sendable func approve(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard context.staff.role >= .agent else { throw AppError(.forbidden, code: "forbidden", L10n.t("console.workOrder.onlyAgentsReview")) }
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        return try await act(number, context: context, form: form, notice: L10n.t("console.workOrder.approved")) {
            _ = try await service.approve(
                number, version: Int(form.text("version")) ?? -1, eta: form.text("estimated_completion"),
                priority: WorkOrderPriority(rawValue: form.text("priority")), assignee: form.text("assignee_id"),
                staff: context.staff, tenant: context.tenant)
        }
    }

    @Sendable func reject(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard context.staff.role >= .agent else { throw AppError(.forbidden, code: "forbidden", L10n.t("console.workOrder.onlyAgentsReview")) }
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        return try await act(number, context: context, form: form, notice: L10n.t("console.workOrder.rejected")) {
            _ = try await service.reject(
                number, version: Int(form.text("version")) ?? -1, reason: form.text("reason"), staff: context.staff, tenant: context.tenant)
        }
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        var update = StaffWorkOrders.Update(reason: form.text("reason"))
        if let status = form["status"], !status.isEmpty {
            guard let parsed = WorkOrderStatus(rawValue: status) else {
                throw AppError.validation(["status": L10n.t("console.workOrders.chooseStatus")])
            }
            update.status = parsed
        }
        if let progress = form["progress"], !progress.isEmpty {
            guard let value = Int(progress) else { throw AppError.validation(["progress": L10n.t("console.workOrder.percentage")]) }
            update.progress = value
        }
        if form["estimated_completion"] != nil { update.estimatedCompletion = form.text("estimated_completion") }
        if form["due_date"] != nil { update.dueDate = form.text("due_date") }
        if form["assignee_id"] != nil && context.staff.role >= .agent { update.assigneeId = form.text("assignee_id") }
        if let priority = form["priority"], !priority.isEmpty {
            guard let value = WorkOrderPriority(rawValue: priority) else {
                throw AppError.validation(["priority": L10n.t("console.workOrders.choosePriority")])
            }
            update.priority = value
        }
        if form["shop_notes"] != nil { update.shopNotes = form["shop_notes"] }
        if form["internal_notes"] != nil { update.internalNotes = form["internal_notes"] }
        return try await act(number, context: context, form: form, notice: L10n.t("console.workOrder.saved")) {
            _ = try await service.update(number, update, version: Int(form.text("version")) ?? -1, staff: context.staff, tenant: context.tenant)
        }
    }

    @Sendable func comment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let number = try Self.number(context)
        let staff = context.staff
        // 404 (technicians: unless assigned) before a byte of the body is read.
        let existing = try await service.attachmentCount(of: number, staff: staff, tenant: context.tenant.id)
        let posted: PostedForm
        switch try await receiver.receive(request, csrf: context.parent, tenant: context.tenant.id, existing: existing, number: number) {
        case .received(let form): posted = form
        case .refused(let error, let fields):
            var state = FormState.keeping(fields)
            state.errors = error.fields
            state.message = error.message
            return try await renderDetail(number, context: context, form: state, status: error.status)
        }
        let form = posted.fields
        let visibility: Visibility = form.text("visibility") == "internal" ? .internalOnly : .shared
        let texts = L10n.texts
        let notice =
            switch (visibility, posted.files.count) {
            case (.shared, 0): texts("console.workOrder.replySent")
            case (.shared, let count): texts.plural("console.workOrder.replySentFiles", count: count)
            case (_, 0): texts("console.workOrder.noteAdded")
            case (_, let count): texts.plural("console.workOrder.noteAddedFiles", count: count)
            }
        return try await act(number, context: context, form: form, notice: notice) {
            _ = try await posted.using(self.files, tenant: context.tenant.id, logger: context.logger) {
                try await service.comment(
                    number, body: form["body"] ?? "", visibility: visibility, staff: staff, tenant: context.tenant,
                    attachments: posted.attachments, origin: context.origin(request))
            }
        }
    }

    /// A file of an order this staff member may see (technicians: assigned orders only);
    /// anything else, including another tenant's, is the same 404.
    @Sendable func attachment(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000,
            let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))
        else { throw AppError.notFound("file") }
        let record = try await service.attachment(id, of: number, staff: context.staff, tenant: context.tenant.id)
        return try await WorkOrderAttachments.download(record, store: files, tenant: context.tenant.id, logger: context.logger)
    }
}
