import Foundation
import Hummingbird
import Mustache
import Postgres

extension PortalWorkOrdersController {
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
            size = ByteCountText.display(record.sizeBytes)
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
}
