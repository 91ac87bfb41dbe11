import Foundation
import Hummingbird
import Mustache
import Postgres

/// The subscriber's work orders: list with search and filters, new (draft or submit), detail
/// with live updates, edit until approved, history (+ CSV), cancel, reopen, comments.
/// It reads and writes only through `service` (which opens the transactions); `files` is where
/// refused uploads are deleted from and downloads are read.
struct PortalWorkOrdersController {
    let service: CustomerWorkOrders
    let renderer: PageRenderer
    let receiver: AttachmentReceiver
    let files: any BlobStore
    static let pageSize = 20
    static let chooseFilesAgain = "Your files were not kept because of the problems above. Please choose them again."

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.workOrders, use: list)
        group.get(PortalRoutes.newWorkOrder, use: newForm)
        group.post(PortalRoutes.workOrders, use: create)
        group.get(PortalRoutes.workOrder, use: detail)
        group.get(PortalRoutes.workOrderEdit, use: editForm)
        group.post(PortalRoutes.workOrderEdit, use: edit)
        group.post(PortalRoutes.workOrderAutosave, use: autosave)
        group.get(PortalRoutes.workOrderHistory, use: history)
        group.get(PortalRoutes.workOrderHistoryCSV, use: historyCSV)
        group.post(PortalRoutes.workOrderCancel, use: cancel)
        group.post(PortalRoutes.workOrderReopen, use: reopen)
        group.post(PortalRoutes.workOrderComments, use: comment)
        group.get(PortalRoutes.workOrderAttachment, use: attachment)
    }

    static func number(_ context: CustomerRequestContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000 else {
            throw AppError.notFound("work order")
        }
        return number
    }

    // MARK: List

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let orders: [WorkOrderCard]
        let total: Int
        let totalLabel: String
        let filter: [String: String]
        let statuses: [Option]
        let categories: [Option]
        let nextPage: String?
        let previousPage: String?
        let filtered: Bool
    }

    @Sendable func list(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let query = request.uri.queryParameters
        var problems: [String: String] = [:]
        let status = query.get("status").flatMap { $0.isEmpty ? nil : $0 }
        if let status, WorkOrderStatus(rawValue: status) == nil { problems["status"] = "Choose a status from the list." }
        let from = query.get("from").flatMap { $0.isEmpty ? nil : $0 }
        let to = query.get("to").flatMap { $0.isEmpty ? nil : $0 }
        if let from, !DateInput.isISODate(from) { problems["from"] = "Use a date like 2024-05-31." }
        if let to, !DateInput.isISODate(to) { problems["to"] = "Use a date like 2024-05-31." }
        guard problems.isEmpty else { throw AppError.validation(problems, message: "The filters could not be applied.") }
        let page = max(0, min(10_000, Int(query.get("page") ?? "0") ?? 0))
        let search = query.get("q").map { String($0.prefix(200)) }
        let category = query.get("category").flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        let filter = WorkOrderFilter(
            organizationId: context.customer.organizationId, statuses: status.flatMap(WorkOrderStatus.init).map { [$0] } ?? [],
            category: category, search: search, createdFrom: from, createdTo: to, draftsOf: context.customer.id)
        let (orders, total, categories) = try await service.list(
            filter, limit: Self.pageSize + 1, offset: page * Self.pageSize,
            customer: context.customer, tenant: context.tenant)
        let today = ISODates.today()
        func link(_ page: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            for (key, value) in [("q", search), ("status", status), ("category", category), ("from", from), ("to", to)] {
                if let value, !value.isEmpty { items.append(URLQueryItem(name: key, value: value)) }
            }
            var components = URLComponents()
            components.queryItems = items
            return "\(PortalRoutes.workOrders.path)?" + (components.percentEncodedQuery ?? "")
        }
        let view = ListView(
            layout: context.layout(title: L10n.t("portal.workOrders.heading"), current: PortalRoutes.workOrders.path),
            orders: orders.prefix(Self.pageSize).map { WorkOrderCard($0, today: today) }, total: total,
            totalLabel: L10n.texts.plural("portal.workOrders.total", count: total),
            filter: ["q": search ?? "", "from": from ?? "", "to": to ?? ""],
            statuses: [Option(value: "", label: L10n.t("portal.workOrders.anyStatus"), selected: status == nil)]
                + WorkOrderStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status) },
            categories: [Option(value: "", label: L10n.t("portal.workOrders.anyCategory"), selected: category == nil)]
                + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == category) },
            nextPage: orders.count > Self.pageSize ? link(page + 1) : nil, previousPage: page > 0 ? link(page - 1) : nil,
            filtered: search?.isEmpty == false || status != nil || category != nil || from != nil || to != nil
        )
        return try renderer.render(.portalWorkOrdersList, theme: context.tenant.theme, view)
    }

    // MARK: New and edit

    @MustacheView
    struct FormPage {
        let layout: LayoutModel
        let form: FormView
        let categories: [Option]
        let priorities: [Option]
        let editing: Bool
        let number: Int?
        let version: Int?
        let loadedAt: String
        let action: String
        let canSubmit: Bool
        let emailVerified: Bool
        let isDraft: Bool
        let autosaveUrl: String?
        let conflict: [HistoryEntry]
        let attachments: [AttachmentView]
        let attachmentSlots: Int
        /// "…up to 15 MB each; 3 more on this order at most."
        let attachmentHint: String
        let canAttach: Bool
        let acceptedFiles: String
    }

    /// The `accept` attribute of file inputs: the allow-listed extensions.
    static let acceptedFiles = FileKind.attachments.flatMap(\.extensions).map { ".\($0)" }.joined(separator: ",")

    func formPage(
        _ context: CustomerRequestContext, values: [String: String], errors: [String: String] = [:], message: String? = nil,
        order: WorkOrder? = nil, conflict: [HistoryEntry] = []
    ) async throws -> FormPage {
        let (categories, attached) = try await service.formChoices(editing: order, tenant: context.tenant)
        let title = order.map { L10n.t("portal.form.editTitle", ["number": "#\($0.number)"]) } ?? L10n.t("portal.workOrders.new")
        let current = values["category"] ?? ""
        return FormPage(
            layout: context.layout(title: title, current: PortalRoutes.workOrders.path),
            form: FormView(FormState(values: values, errors: errors, message: message)),
            categories: [Option(value: "", label: L10n.t("portal.form.chooseCategory"), selected: current.isEmpty)]
                + categories.map {
                    Option(
                        value: $0.name, label: $0.displayName, selected: $0.name == current,
                        help: $0.displayHelpText.isEmpty ? nil : $0.displayHelpText)
                }
                // An order keeps a category that is no longer offered to new ones.
                + (order.flatMap { order in
                    order.category.isEmpty || categories.contains { $0.name == order.category }
                        ? nil
                        : [Option(value: order.category, label: order.category, selected: order.category == current)]
                } ?? []),
            priorities: WorkOrderPriority.allCases.map {
                Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (values["priority"] ?? "normal"))
            },
            editing: order != nil, number: order?.number, version: order?.version, loadedAt: ISODates.format(Date()),
            action: order.map { PortalRoutes.workOrderEdit($0.number) } ?? PortalRoutes.workOrders.path,
            canSubmit: order == nil || order?.status == .draft, emailVerified: context.customer.emailVerified,
            isDraft: order == nil || order?.status == .draft,
            autosaveUrl: order.flatMap { $0.status == .draft ? PortalRoutes.workOrderAutosave($0.number) : nil },
            conflict: conflict,
            attachments: order.map { order in attached.map { AttachmentView($0, base: PortalRoutes.workOrder(order.number)) } } ?? [],
            attachmentSlots: max(0, WorkOrderAttachments.perOrder - attached.count),
            attachmentHint: WorkOrderAttachments.hint(slots: max(0, WorkOrderAttachments.perOrder - attached.count)),
            canAttach: attached.count < WorkOrderAttachments.perOrder,
            acceptedFiles: Self.acceptedFiles
        )
    }

    @Sendable func newForm(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let address = try await service.serviceAddress(customer: context.customer, tenant: context.tenant)
        let page = try await formPage(context, values: ["priority": "normal", "quantity": "1", "service_location": address])
        return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page)
    }

    /// The form again after a refused upload: what was typed before the files, and why.
    func refusedUpload(
        _ error: AppError, fields: FormFields, request: Request, context: CustomerRequestContext, order: WorkOrder? = nil
    ) async throws -> Response {
        let page = try await formPage(
            context, values: WorkOrderInput(form: fields).values, errors: error.fields,
            message: error.fields.isEmpty ? error.message : nil, order: order)
        return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page, status: error.status)
            .response(from: request, context: context)
    }

    /// Field errors, plus a word about the files when some were sent (they are not kept).
    static func errors(_ error: AppError, files: [UploadedFile]) -> [String: String] {
        var errors = error.fields
        if !files.isEmpty && errors["attachments"] == nil && !errors.isEmpty { errors["attachments"] = chooseFilesAgain }
        return errors
    }

    @Sendable func create(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let posted: PostedForm
        switch try await receiver.receive(request, csrf: context.parent, tenant: context.tenant.id) {
        case .received(let form): posted = form
        case .refused(let error, let fields): return try await refusedUpload(error, fields: fields, request: request, context: context)
        }
        let form = posted.fields
        let input = WorkOrderInput(form: form)
        let submit = form.text("action") == "submit"
        if form.flag("autosave") {
            // The form's script saving a new draft for the first time: it continues on the edit URL.
            // It sends text only; files come with the form itself.
            await posted.discard(from: files, tenant: context.tenant.id, logger: context.logger)
            let order = try await service.create(input, submit: false, customer: context.customer, tenant: context.tenant)
            let body =
                "{\"number\":\(order.number),\"version\":\(order.version),\"edit_url\":\"\(PortalRoutes.workOrderEdit(order.number))\",\"autosave_url\":\"\(PortalRoutes.workOrderAutosave(order.number))\"}"
            return Response(
                status: .created, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        do {
            let order = try await posted.using(files, tenant: context.tenant.id, logger: context.logger) {
                try await service.create(input, submit: submit, customer: context.customer, tenant: context.tenant, attachments: posted.attachments)
            }
            return Redirect(
                to: submit ? "\(PortalRoutes.workOrder(order.number))?submitted=1" : "\(PortalRoutes.workOrderEdit(order.number))?saved=1"
            ).response
        } catch let error as AppError where error.kind == .validation || error.code == "email_not_verified" {
            let errors = Self.errors(error, files: posted.files)
            let message = error.fields.isEmpty ? error.message + (posted.files.isEmpty ? "" : " " + Self.chooseFilesAgain) : nil
            let page = try await formPage(context, values: input.values, errors: errors, message: message)
            return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page, status: error.status)
                .response(from: request, context: context)
        }
    }

    func values(of order: WorkOrder) -> [String: String] {
        [
            "title": order.title, "description": order.description, "category": order.category, "priority": order.priority.rawValue,
            "quantity": String(order.quantity), "service_location": order.serviceLocation, "preferred_dates": order.preferredDates,
            "customer_notes": order.customerNotes,
        ]
    }

    @Sendable func editForm(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        guard !order.status.isLockedForCustomer else { throw CustomerWorkOrders.locked(order) }
        var page = try await formPage(context, values: values(of: order), order: order)
        if request.uri.queryParameters.get("saved") != nil {
            var layout = page.layout
            layout.notice = L10n.t("portal.workOrder.draftSaved")
            page = FormPage(
                layout: layout, form: page.form, categories: page.categories, priorities: page.priorities, editing: page.editing,
                number: page.number, version: page.version, loadedAt: page.loadedAt, action: page.action, canSubmit: page.canSubmit,
                emailVerified: page.emailVerified, isDraft: page.isDraft, autosaveUrl: page.autosaveUrl, conflict: [],
                attachments: page.attachments, attachmentSlots: page.attachmentSlots, attachmentHint: page.attachmentHint, canAttach: page.canAttach,
                acceptedFiles: page.acceptedFiles)
        }
        return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page)
    }

    /// The order (404 unless it is this organization's) and how many files the subscriber sees on it.
    func orderAndAttachmentCount(_ number: Int, context: CustomerRequestContext) async throws -> (WorkOrder, Int) {
        let (order, files) = try await service.attachments(of: number, customer: context.customer, tenant: context.tenant)
        return (order, files.count)
    }

    @Sendable func edit(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let number = try Self.number(context)
        let (current, existing) = try await orderAndAttachmentCount(number, context: context)
        let posted: PostedForm
        switch try await receiver.receive(request, csrf: context.parent, tenant: context.tenant.id, existing: existing, number: number) {
        case .received(let form): posted = form
        case .refused(let error, let fields):
            return try await refusedUpload(error, fields: fields, request: request, context: context, order: current)
        }
        let form = posted.fields
        let input = WorkOrderInput(form: form)
        guard let version = Int(form.text("version")) else {
            await posted.discard(from: files, tenant: context.tenant.id, logger: context.logger)
            throw AppError(.badRequest, code: "missing_version", "The form is incomplete (its version is missing). Reload the page and try again.")
        }
        let submit = form.text("action") == "submit"
        do {
            let order = try await posted.using(files, tenant: context.tenant.id, logger: context.logger) {
                try await service.edit(
                    number, input: input, version: version, submit: submit, customer: context.customer, tenant: context.tenant,
                    attachments: posted.attachments)
            }
            return Redirect(to: "\(PortalRoutes.workOrder(order.number))?\(submit ? "submitted" : "updated")=1").response
        } catch let error as AppError where error.code == "version_conflict" {
            // Show what changed since the form was loaded, and keep what the person typed.
            let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
            let loadedAt = ISODates.parse(form.text("loaded_at")) ?? .distantPast
            let changes = try await service.history(of: order, tenant: context.tenant).filter {
                $0.createdAt > loadedAt && $0.field != "internal_notes"
            }.map { HistoryEntry($0, viewer: context.customer.id) }
            if order.status.isLockedForCustomer { throw CustomerWorkOrders.locked(order) }
            let page = try await formPage(
                context, values: input.values, message: error.message + (posted.files.isEmpty ? "" : " " + Self.chooseFilesAgain),
                order: order, conflict: changes)
            return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page, status: .conflict)
                .response(from: request, context: context)
        } catch let error as AppError where error.code == "too_many_edits" {
            // Nothing was saved, but what the person typed stays on the page.
            let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
            let message =
                error.message + " Nothing was saved; what you typed is still below, so you can copy it into a comment."
                + (posted.files.isEmpty ? "" : " " + Self.chooseFilesAgain)
            let page = try await formPage(context, values: input.values, message: message, order: order)
            var html = try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page, status: error.status)
            if let retryAfter = error.retryAfter { html.headers[.retryAfter] = "\(retryAfter)" }
            return try html.response(from: request, context: context)
        } catch let error as AppError where error.kind == .validation || error.code == "email_not_verified" {
            let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
            let message = error.fields.isEmpty ? error.message + (posted.files.isEmpty ? "" : " " + Self.chooseFilesAgain) : nil
            let page = try await formPage(
                context, values: input.values, errors: Self.errors(error, files: posted.files), message: message, order: order)
            return try renderer.render(.portalWorkOrdersForm, theme: context.tenant.theme, page, status: error.status)
                .response(from: request, context: context)
        }
    }

    /// Draft auto-save from the form's script: saves what is there (without requiring a
    /// complete order) and answers with the new version.
    @Sendable func autosave(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        guard let version = Int(form.text("version")) else { throw AppError(.badRequest, code: "missing_version", "The version is missing.") }
        let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
        guard order.status == .draft else { throw CustomerWorkOrders.locked(order) }
        let updated = try await service.edit(
            number, input: WorkOrderInput(form: form), version: version, submit: false,
            customer: context.customer, tenant: context.tenant)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"version\":\(updated.version),\"saved_at\":\"\(ISODates.format(updated.updatedAt))\"}")))
    }

    // MARK: Detail

    @MustacheView
    struct DetailView {
        let layout: LayoutModel
        let order: WorkOrderCard
        let description: String
        let priority: String
        let quantity: Int
        let serviceLocation: String
        let preferredDates: String
        let customerNotes: String
        let shopNotes: String
        let due: String?
        let technician: String?
        let closedReason: String
        let editable: Bool
        let cancellable: Bool
        let reopenable: Bool
        let isDraft: Bool
        let version: Int
        let timeline: [HistoryEntry]
        let comments: [CommentView]
        let attachments: [AttachmentView]
        let attachmentSlots: Int
        /// "…up to 15 MB each; 3 more on this order at most."
        let attachmentHint: String
        let canAttach: Bool
        let acceptedFiles: String
        let form: FormView
        let supportEmail: String?
        let supportPhone: String?
        let eventsUrl: String
        /// "The details are locked now that the order is Approved; …"
        let lockedNote: String
        /// ", quoting #1001." after the support contacts.
        let quoting: String
    }

    @MustacheView
    struct CommentView: Sendable {
        let author: String
        let when: String
        let body: String
        let fromStaff: Bool
    }

    @MustacheView
    struct AttachmentView: Sendable {
        let name: String
        let size: String
        let href: String
        let kind: String
        let when: String
        let isInternal: Bool

        init(_ record: AttachmentRecord, base: String) {
            name = record.fileName
            size = ByteSize.display(record.sizeBytes)
            href = "\(base)/attachments/\(record.id.uuidString.lowercased())"
            kind = FileKind(contentType: record.contentType)?.displayName ?? L10n.t("attachments.file")
            when = DisplayDate.dateTime(record.createdAt)
            isInternal = record.visibility == .internalOnly
        }
    }

    func detailView(
        _ detail: CustomerWorkOrders.Detail, context: CustomerRequestContext, form: FormState = FormState(), notice: String? = nil
    ) -> DetailView {
        let (order, history, comments, attachments, technician) = (
            detail.order, detail.history, detail.comments, detail.attachments, detail.technician
        )
        var layout = context.layout(title: L10n.t("portal.workOrder.title", ["number": "#\(order.number)"]), current: PortalRoutes.workOrders.path)
        layout.notice = notice
        layout.printable = true
        let completedRecently =
            order.status == .completed && order.completedAt.map { Date().timeIntervalSince($0) <= CustomerWorkOrders.reopenWindow } == true
        return DetailView(
            layout: layout, order: WorkOrderCard(order, today: ISODates.today()), description: order.description, priority: order.priority.label,
            quantity: order.quantity, serviceLocation: order.serviceLocation, preferredDates: order.preferredDates,
            customerNotes: order.customerNotes,
            shopNotes: order.shopNotes, due: order.dueDate, technician: technician, closedReason: order.closedReason,
            editable: !order.status.isLockedForCustomer, cancellable: order.status == .submitted || order.status == .draft,
            reopenable: completedRecently, isDraft: order.status == .draft, version: order.version,
            timeline: history.filter { $0.field == "status" }.map { HistoryEntry($0, viewer: context.customer.id) },
            comments: comments.map {
                CommentView(
                    author: $0.authorId == context.customer.id ? L10n.t("workOrders.history.you") : $0.authorName,
                    when: DisplayDate.dateTime($0.createdAt),
                    body: $0.body, fromStaff: $0.authorKind == "staff")
            },
            attachments: attachments.map { AttachmentView($0, base: PortalRoutes.workOrder(order.number)) },
            attachmentSlots: max(0, WorkOrderAttachments.perOrder - attachments.count),
            attachmentHint: WorkOrderAttachments.hint(slots: max(0, WorkOrderAttachments.perOrder - attachments.count)),
            canAttach: attachments.count < WorkOrderAttachments.perOrder, acceptedFiles: Self.acceptedFiles,
            form: FormView(form), supportEmail: context.tenant.branding.supportEmail, supportPhone: context.tenant.branding.supportPhone,
            eventsUrl: "\(PortalRoutes.events.path)?work_order=\(order.number)",
            lockedNote: L10n.t("portal.workOrder.locked", ["status": order.status.label]),
            quoting: L10n.t("portal.workOrder.contactQuoting", ["number": "#\(order.number)"])
        )
    }

    @Sendable func detail(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let detail = try await service.detail(try Self.number(context), customer: context.customer, tenant: context.tenant)
        let order = detail.order
        let query = request.uri.queryParameters
        let notice =
            query.get("submitted") != nil
            ? L10n.t("portal.workOrder.submitted", ["number": "#\(order.number)"])
            : query.get("updated") != nil ? L10n.t("portal.workOrder.saved") : nil
        return try renderer.render(.portalWorkOrdersDetail, theme: context.tenant.theme, detailView(detail, context: context, notice: notice))
    }

    func actionFailed(_ error: AppError, number: Int, context: CustomerRequestContext, body: String? = nil) async throws -> HTML {
        let detail = try await service.detail(number, customer: context.customer, tenant: context.tenant)
        var state = FormState(values: body.map { ["body": $0] } ?? [:], errors: error.fields)
        if error.fields.isEmpty { state.message = error.message }
        return try renderer.render(
            .portalWorkOrdersDetail, theme: context.tenant.theme,
            detailView(detail, context: context, form: state), status: error.status)
    }

    @Sendable func cancel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        do {
            let order = try await service.cancel(
                number, reason: form.text("reason"), version: Int(form.text("version")) ?? -1,
                customer: context.customer, tenant: context.tenant)
            return Redirect(to: "\(PortalRoutes.workOrder(order.number))?updated=1").response
        } catch let error as AppError where [.validation, .conflict].contains(error.kind) {
            return try await actionFailed(error, number: number, context: context).response(from: request, context: context)
        }
    }

    @Sendable func reopen(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let number = try Self.number(context)
        let form = try await FormFields.read(request)
        do {
            let order = try await service.reopen(
                number, reason: form.text("reason"), version: Int(form.text("version")) ?? -1,
                customer: context.customer, tenant: context.tenant)
            return Redirect(to: "\(PortalRoutes.workOrder(order.number))?updated=1").response
        } catch let error as AppError where [.validation, .conflict].contains(error.kind) {
            return try await actionFailed(error, number: number, context: context).response(from: request, context: context)
        }
    }

    @Sendable func comment(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let number = try Self.number(context)
        let (_, existing) = try await orderAndAttachmentCount(number, context: context)
        let posted: PostedForm
        switch try await receiver.receive(request, csrf: context.parent, tenant: context.tenant.id, existing: existing, number: number) {
        case .received(let form): posted = form
        case .refused(let error, let fields):
            return try await actionFailed(error, number: number, context: context, body: fields["body"]).response(from: request, context: context)
        }
        let form = posted.fields
        do {
            _ = try await posted.using(files, tenant: context.tenant.id, logger: context.logger) {
                try await service.comment(
                    number, body: form["body"] ?? "", customer: context.customer, tenant: context.tenant,
                    attachments: posted.attachments)
            }
            return Redirect(to: "\(PortalRoutes.workOrder(number))#comments").response
        } catch let error as AppError where error.kind == .validation {
            var error = error
            if !posted.files.isEmpty && error.fields["attachments"] == nil { error.fields["attachments"] = Self.chooseFilesAgain }
            return try await actionFailed(error, number: number, context: context, body: form["body"]).response(from: request, context: context)
        }
    }

    /// A file of one of the organization's orders. Another organization's, another tenant's,
    /// an internal one, or one that does not exist: the same 404.
    @Sendable func attachment(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000,
            let id = context.parameters.get("id").flatMap(UUID.init(uuidString:))
        else { throw AppError.notFound("file") }
        let record = try await service.attachment(id, of: number, customer: context.customer, tenant: context.tenant)
        return try await WorkOrderAttachments.download(record, store: files, tenant: context.tenant.id, logger: context.logger)
    }

    // MARK: History

    @MustacheView
    struct HistoryView {
        let layout: LayoutModel
        let number: Int
        let title: String
        let entries: [HistoryEntry]
        let heading: String
    }

    func customerHistory(_ order: WorkOrder, context: CustomerRequestContext) async throws -> [HistoryEntry] {
        try await service.history(of: order, tenant: context.tenant).filter { $0.field != "internal_notes" }.map {
            HistoryEntry($0, viewer: context.customer.id)
        }
    }

    @Sendable func history(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        let view = HistoryView(
            layout: context.layout(title: L10n.t("portal.history.title", ["number": "#\(order.number)"]), current: PortalRoutes.workOrders.path),
            number: order.number, title: order.title, entries: try await customerHistory(order, context: context),
            heading: L10n.t("portal.history.heading", ["number": "#\(order.number)", "title": order.title]))
        return try renderer.render(.portalWorkOrdersHistory, theme: context.tenant.theme, view)
    }

    @Sendable func historyCSV(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        var csv = CSVWriter.bom + CSVWriter.row(["when", "field", "from", "to", "who", "reason"])
        for entry in try await customerHistory(order, context: context) {
            csv += CSVWriter.row([entry.at, entry.field, entry.from, entry.to, entry.who, entry.reason])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"work-order-\(order.number)-history.csv\"",
            ], body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

enum ByteSize {
    /// "2.5 MB"; in the current language's digits and separators elsewhere ("2,5 MB").
    static func display(_ bytes: Int64) -> String {
        let texts = L10n.texts
        if bytes < 1024 { return "\(bytes) B" }
        if texts.language == .en {
            if bytes < 1024 * 1024 { return String(format: "%.0f KB", Double(bytes) / 1024) }
            return String(format: "%.1f MB", Double(bytes) / 1_048_576)
        }
        if bytes < 1024 * 1024 { return (Double(bytes) / 1024).formatted(.number.precision(.fractionLength(0)).locale(texts.locale)) + " KB" }
        return (Double(bytes) / 1_048_576).formatted(.number.precision(.fractionLength(1)).locale(texts.locale)) + " MB"
    }
}
