import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/work-orders`: the queue (filters, search, sort, keyset pages), review (approve /
/// reject), the detail page with every staff operation, replies, creation on behalf of an
/// organization, and bulk actions. Technicians see and update only their assigned orders.
///
/// It reads and writes only through `service` (which opens the transactions); `files` is where
/// refused uploads are deleted from and downloads are read.
struct AdminWorkOrdersController {
    let service: StaffWorkOrders
    let renderer: PageRenderer
    let receiver: AttachmentReceiver
    let files: any BlobStore
    static let pageSize = 25

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.workOrders, use: queue)
        group.get(ConsoleRoutes.newWorkOrder, use: newForm)
        group.post(ConsoleRoutes.workOrders, use: create)
        group.post(ConsoleRoutes.workOrdersBulk, use: bulk)
        group.get(ConsoleRoutes.workOrder, use: detail)
        group.post(ConsoleRoutes.workOrderApprove, use: approve)
        group.post(ConsoleRoutes.workOrderReject, use: reject)
        group.post(ConsoleRoutes.workOrderUpdate, use: update)
        group.post(ConsoleRoutes.workOrderComments, use: comment)
        group.get(ConsoleRoutes.workOrderAttachment, use: attachment)
    }

    static func number(_ context: StaffRequestContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000 else {
            throw AppError.notFound("work order")
        }
        return number
    }

    // MARK: Queue

    @MustacheView
    struct Row: Sendable {
        let number: Int
        let title: String
        let status: String
        let statusLabel: String
        let priority: String
        let organization: String
        let assignee: String
        let due: String?
        let overdue: Bool
        let created: String
        let href: String
        /// The checkbox's name: "Select #12".
        let selectLabel: String
    }

    @MustacheView
    struct QueueView {
        let layout: LayoutModel
        let rows: [Row]
        /// "12 work orders", counted in the page's language.
        let total: String
        let filter: [String: String]
        let statuses: [Option]
        let priorities: [Option]
        let categories: [Option]
        let assignees: [Option]
        let sorts: [Option]
        let nextPage: String?
        let firstPage: String?
        let canBulk: Bool
        let bulkStatuses: [Option]
        let results: [StaffWorkOrders.BulkResult]
        let eventsUrl: String
    }

    func renderQueue(_ request: Request, context: StaffRequestContext, results: [StaffWorkOrders.BulkResult] = []) async throws -> HTML {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var problems: [String: String] = [:]
        let status = value("status")
        if let status, WorkOrderStatus(rawValue: status) == nil { problems["status"] = L10n.t("console.workOrders.chooseStatus") }
        let priority = value("priority")
        if let priority, WorkOrderPriority(rawValue: priority) == nil { problems["priority"] = L10n.t("console.workOrders.choosePriority") }
        let assignee = value("assignee")
        if let assignee, assignee != "none", UUID(uuidString: assignee) == nil { problems["assignee"] = L10n.t("console.workOrders.chooseStaff") }
        for key in ["from", "to"] where value(key).map({ !DateInput.isISODate($0) }) == true { problems[key] = L10n.t("console.workOrders.dateLike") }
        let dueOn = value("due") == "today" ? ISODates.today() : value("due")
        if let dueOn, !DateInput.isISODate(dueOn) { problems["due"] = L10n.t("console.workOrders.dueLike") }
        let sort = value("sort").flatMap(WorkOrderSort.init(rawValue:)) ?? .newest
        if value("sort") != nil && WorkOrderSort(rawValue: value("sort")!) == nil { problems["sort"] = L10n.t("console.workOrders.chooseSort") }
        let cursor = value("after").flatMap(WorkOrderCursor.init(token:))
        if value("after") != nil && cursor == nil { problems["after"] = L10n.t("console.workOrders.badPageLink") }
        guard problems.isEmpty else { throw AppError.validation(problems, message: L10n.t("console.workOrders.filtersFailed")) }

        var filter = WorkOrderFilter(
            statuses: status.flatMap(WorkOrderStatus.init).map { [$0] } ?? [], category: value("category"),
            search: value("q"), createdFrom: value("from"), createdTo: value("to"))
        filter.priority = priority.flatMap(WorkOrderPriority.init)
        filter.overdue = value("overdue") == "1"
        filter.dueOn = dueOn
        filter.unassigned = value("unassigned") == "1" || assignee == "none"
        if let assignee, assignee != "none" { filter.assigneeId = UUID(uuidString: assignee) }
        if context.staff.role == .technician { filter.assigneeId = context.staff.id; filter.unassigned = false }
        let accountNumber = value("account")

        let queue = try await service.queue(
            filter, accountNumber: accountNumber, sort: sort, after: cursor, limit: Self.pageSize + 1,
            tenant: context.tenant.id)
        let (orders, total, organizations, staff, categories) = (queue.orders, queue.total, queue.organizationNames, queue.team, queue.categories)
        let staffNames = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0.displayName) })
        let today = ISODates.today()
        let shown = Array(orders.prefix(Self.pageSize))
        func link(after: WorkOrderCursor?) -> String {
            var items: [URLQueryItem] = []
            for key in ["q", "status", "priority", "category", "assignee", "account", "overdue", "unassigned", "due", "from", "to", "sort"] {
                if let value = value(key) { items.append(URLQueryItem(name: key, value: value)) }
            }
            if let after { items.append(URLQueryItem(name: "after", value: after.token)) }
            var components = URLComponents()
            components.queryItems = items
            return ConsoleRoutes.workOrders.path + (items.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? ""))
        }
        let texts = L10n.texts
        var layout = context.layout(title: texts("console.workOrders.title"), current: ConsoleRoutes.workOrders.path)
        if !results.isEmpty {
            let failed = results.filter { !$0.ok }.count
            layout.notice = texts("console.workOrders.bulkDone", ["changed": "\(results.count - failed)", "failed": "\(failed)"])
        }
        let view = QueueView(
            layout: layout,
            rows: shown.map { order in
                Row(
                    number: order.number, title: order.title, status: order.status.rawValue, statusLabel: order.status.label,
                    priority: order.priority.label, organization: organizations[order.organizationId] ?? "",
                    assignee: order.assigneeId.flatMap { staffNames[$0] } ?? "—", due: order.dueDate, overdue: order.isOverdue(today: today),
                    created: DisplayDate.dateTime(order.createdAt), href: ConsoleRoutes.workOrder(order.number),
                    selectLabel: texts("console.workOrders.selectNumber", ["number": "\(order.number)"]))
            },
            total: texts.plural("console.workOrders.count", count: total),
            filter: [
                "q": value("q") ?? "", "account": accountNumber ?? "", "from": value("from") ?? "", "to": value("to") ?? "",
                "overdue": filter.overdue ? "1" : "", "unassigned": value("unassigned") ?? "",
            ],
            statuses: [Option(value: "", label: texts("console.workOrders.anyStatus"), selected: status == nil)]
                + WorkOrderStatus.allCases.filter { $0 != .draft }.map {
                    Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status)
                },
            priorities: [Option(value: "", label: texts("console.workOrders.anyPriority"), selected: priority == nil)]
                + WorkOrderPriority.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == priority) },
            categories: [Option(value: "", label: texts("console.workOrders.anyCategory"), selected: value("category") == nil)]
                + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == value("category")) },
            assignees: [
                Option(value: "", label: texts("console.workOrders.anyone"), selected: assignee == nil),
                Option(value: "none", label: texts("console.workOrders.unassigned"), selected: assignee == "none"),
            ]
                + staff.filter { $0.status == .active }.map {
                    Option(value: $0.id.uuidString.lowercased(), label: $0.displayName, selected: $0.id.uuidString.lowercased() == assignee)
                },
            sorts: WorkOrderSort.allCases.map {
                Option(value: $0.rawValue, label: texts("console.workOrders.sortBy.\($0.rawValue)"), selected: $0 == sort)
            },
            nextPage: orders.count > Self.pageSize ? link(after: sort.cursor(after: shown.last!)) : nil,
            firstPage: cursor != nil ? link(after: nil) : nil,
            canBulk: context.staff.role >= .agent,
            bulkStatuses: [WorkOrderStatus.approved, .inProgress, .waiting, .completed].map {
                Option(value: $0.rawValue, label: $0.label, selected: false)
            },
            results: results,
            eventsUrl: ConsoleRoutes.events.path
        )
        return try renderer.render(.adminWorkOrdersQueue, theme: context.tenant.theme, view)
    }

    @Sendable func queue(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderQueue(request, context: context)
    }

    @Sendable func bulk(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard context.staff.role >= .agent else {
            throw AppError(.forbidden, code: "forbidden", L10n.t("console.workOrders.bulkForAgents"))
        }
        let form = try await FormFields.read(request)
        let numbers = form.all("numbers").compactMap { Int($0) }
        guard !numbers.isEmpty else { throw AppError.validation(["numbers": L10n.t("console.workOrders.tickOne")]) }
        var update = StaffWorkOrders.Update(reason: form.text("reason"))
        switch form.text("bulk_action") {
        case "assign":
            update.assigneeId = form.text("assignee")
        case "status":
            guard let status = WorkOrderStatus(rawValue: form.text("status")) else {
                throw AppError.validation(["status": L10n.t("console.workOrders.chooseBulkStatus")])
            }
            update.status = status
        default:
            throw AppError.validation(["bulk_action": L10n.t("console.workOrders.chooseBulkAction")])
        }
        let results = await service.bulk(numbers, update: update, staff: context.staff, tenant: context.tenant)
        return try await renderQueue(request, context: context, results: results)
    }

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

    // MARK: New

    @MustacheView
    struct NewView {
        let layout: LayoutModel
        let form: FormView
        let categories: [Option]
        let priorities: [Option]
    }

    func renderNew(_ context: StaffRequestContext, form: FormState = FormState(), status: HTTPResponse.Status = .ok) async throws -> HTML {
        let categories = try await service.activeCategories(tenant: context.tenant.id)
        let current = form.values["category"] ?? ""
        return try renderer.render(
            .adminWorkOrdersNew, theme: context.tenant.theme,
            NewView(
                layout: context.layout(title: L10n.t("console.newWorkOrder.title"), current: ConsoleRoutes.workOrders.path), form: FormView(form),
                categories: [Option(value: "", label: L10n.t("console.newWorkOrder.noCategory"), selected: current.isEmpty)]
                    + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == current) },
                priorities: WorkOrderPriority.allCases.map {
                    Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (form.values["priority"] ?? "normal"))
                }
            ), status: status)
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        var state = FormState()
        if let account = request.uri.queryParameters.get("account") { state.values["account"] = String(account.prefix(64)) }
        return try await renderNew(context, form: state)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let input = WorkOrderInput(form: form)
        do {
            let organization = try await service.organization(accountNumber: form.text("account"), tenant: context.tenant.id)
            guard let organization else {
                throw AppError.validation(["account": L10n.t("console.errors.noSuchAccount", ["account": form.text("account")])])
            }
            let order = try await service.create(
                for: organization.id, input: input, approve: form.text("action") == "approve",
                staff: context.staff, tenant: context.tenant)
            return Redirect(to: ConsoleRoutes.workOrder(order.number)).response
        } catch let error as AppError where error.kind == .validation || error.kind == .forbidden {
            var state = FormState.keeping(form)
            state.errors = error.fields
            if error.fields.isEmpty { state.message = error.message }
            return try await renderNew(context, form: state, status: error.status).response(from: request, context: context)
        }
    }
}
