import Foundation
import Hummingbird
import Mustache
import Postgres

/// The rest of the portal: tasks, shared notes, service details, support.
struct PortalPagesController {
    let dependencies: AppDependencies
    var renderer: PageRenderer { dependencies.renderer }

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.tasks, use: tasks)
        group.post(PortalRoutes.taskDone, use: taskDone)
        group.get(PortalRoutes.notes, use: notes)
        group.get(PortalRoutes.service, use: service)
        group.get(PortalRoutes.support, use: support)
    }

    // MARK: Tasks

    @MustacheView
    struct TaskView: Sendable {
        let id: String
        let title: String
        let details: String
        let due: String?
        let done: Bool
        let doneAt: String?
        let doneNote: String
        let workOrder: Int?
    }

    @MustacheView
    struct TasksView {
        let layout: LayoutModel
        let open: [TaskView]
        let done: [TaskView]
        let form: FormView
    }

    func renderTasks(
        _ context: CustomerRequestContext, form: FormState = FormState(), notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let items = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let tasks = try await dependencies.repositories.tasks.list(organization: context.customer.organizationId, status: nil, in: tx)
            let numbers = try await dependencies.repositories.workOrders.numbers(ids: tasks.compactMap(\.workOrderId), in: tx)
            var views: [TaskView] = []
            for task in tasks {
                let number = task.workOrderId.flatMap { numbers[$0] }
                views.append(
                    TaskView(
                        id: task.id.uuidString.lowercased(), title: task.title, details: task.details, due: task.dueDate,
                        done: task.status == .done, doneAt: task.doneAt.map(DisplayDate.dateTime), doneNote: task.doneNote, workOrder: number))
            }
            return views
        }
        var layout = context.layout(title: L10n.t("portal.tasks.heading"), current: PortalRoutes.tasks.path)
        layout.notice = notice
        return try renderer.render(
            .portalTasks, theme: context.tenant.theme,
            TasksView(layout: layout, open: items.filter { !$0.done }, done: items.filter(\.done), form: FormView(form)), status: status)
    }

    @Sendable func tasks(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        try await renderTasks(context)
    }

    @Sendable func taskDone(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("task") }
        let form = try await FormFields.read(request)
        let note = form.text("note")
        guard note.count <= 2000 else {
            return try await renderTasks(
                context, form: FormState(errors: ["note": L10n.atMostCharacters(2000, grouped: true)]), status: .unprocessableContent)
        }
        try await CustomerTasks(dependencies: dependencies).markDone(
            id, note: note, customer: context.customer, tenant: context.tenant,
            origin: RequestOrigin(request, ip: context.clientIP))
        return try await renderTasks(context, notice: L10n.t("portal.tasks.markedDone"))
    }

    // MARK: Notes

    @MustacheView
    struct NotesView {
        let layout: LayoutModel
        let notes: [NoteView]
        @MustacheView
        struct NoteView { let body: String; let author: String; let when: String }
    }

    @Sendable func notes(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let notes = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await dependencies.repositories.notes.list(organization: context.customer.organizationId, sharedOnly: true, limit: 200, in: tx)
        }.filter { $0.customerId == nil || $0.customerId == context.customer.id }
        return try renderer.render(
            .portalNotes, theme: context.tenant.theme,
            NotesView(
                layout: context.layout(title: L10n.t("portal.notes.heading"), current: PortalRoutes.notes.path),
                notes: notes.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt)) }))
    }

    // MARK: Service

    @MustacheView
    struct ServiceView {
        let layout: LayoutModel
        let plan: String
        let status: String
        let statusLabel: String
        let address: String
        let accountNumber: String
        let name: String
        let equipment: [EquipmentView]
        let installs: [InstallationHistory.Entry]
        @MustacheView
        struct EquipmentView { let model: String; let serial: String; let mac: String; let installedOn: String? }
    }

    @Sendable func service(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let (organization, equipment, installs) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            (
                try await dependencies.repositories.organizations.find(id: context.customer.organizationId, in: tx),
                try await dependencies.repositories.organizations.equipment(of: context.customer.organizationId, in: tx),
                try await InstallationHistory.load(organization: context.customer.organizationId, in: tx, repositories: dependencies.repositories)
            )
        }
        guard let organization else { throw AppError.notFound() }
        return try renderer.render(
            .portalService, theme: context.tenant.theme,
            ServiceView(
                layout: context.layout(title: L10n.t("portal.service.heading"), current: PortalRoutes.service.path),
                plan: organization.servicePlan, status: organization.serviceStatus.rawValue, statusLabel: organization.serviceStatus.label,
                address: organization.serviceAddress, accountNumber: organization.accountNumber, name: organization.name,
                equipment: equipment.map { .init(model: $0.model, serial: $0.serial, mac: $0.mac, installedOn: $0.installedOn) },
                installs: installs))
    }

    // MARK: Support

    @MustacheView
    struct SupportView {
        let layout: LayoutModel
        let faq: [Entry]
        let query: String
        /// "No question matches “…”."
        let noMatch: String
        let supportEmail: String?
        let supportPhone: String?
        let supportHours: String?
        let websiteUrl: String?
        @MustacheView
        struct Entry { let question: String; let answer: String }
    }

    @Sendable func support(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let query = String((request.uri.queryParameters.get("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespaces)
        let entries = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await dependencies.repositories.settings.searchFAQ(query, language: L10n.texts.language.code, in: tx)
        }
        let branding = context.tenant.branding
        return try renderer.render(
            .portalSupport, theme: context.tenant.theme,
            SupportView(
                layout: context.layout(title: L10n.t("portal.support.heading"), current: PortalRoutes.support.path),
                faq: entries.map {
                    .init(
                        question: $0.translations.localized("question", default: $0.question),
                        answer: $0.translations.localized("answer", default: $0.answer))
                }, query: query,
                noMatch: L10n.t("portal.support.noMatch", ["query": query]),
                supportEmail: branding.supportEmail, supportPhone: branding.supportPhone,
                supportHours: branding.translations.localized("support_hours", default: branding.supportHours),
                websiteUrl: branding.websiteUrl))
    }
}
