import Foundation
import Hummingbird
import Mustache
import Postgres

extension PortalWorkOrdersController {
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

    func values(of order: WorkOrder) -> [String: String] { WorkOrderInput(editing: order).values }

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
            throw AppError(.badRequest, code: "missing_version", L10n.t("errors.formIncomplete"))
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
        guard let version = Int(form.text("version")) else { throw AppError(.badRequest, code: "missing_version", L10n.t("errors.formIncomplete")) }
        let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
        guard order.status == .draft else { throw CustomerWorkOrders.locked(order) }
        let updated = try await service.edit(
            number, input: WorkOrderInput(form: form), version: version, submit: false,
            customer: context.customer, tenant: context.tenant)
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: "{\"version\":\(updated.version),\"saved_at\":\"\(ISODates.format(updated.updatedAt))\"}")))
    }
}
