import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/tasks` (agents and admins): what subscribers have been asked to do, open or done,
/// for every account or one, and a form to set a new task for an account or one member.
struct AdminTasksController {
    let renderer: PageRenderer
    let tasks: StaffTasks
    static let limit = 200

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.tasks, use: list)
        group.post(ConsoleRoutes.tasks, use: create)
        group.post(ConsoleRoutes.taskDone, use: markDone)
    }

    @MustacheView
    struct Row: Sendable {
        let title: String
        let details: String
        let organization: String
        let organizationHref: String
        let customer: String
        let status: String
        let statusLabel: String
        let due: String?
        let overdue: Bool
        let workOrder: Int?
        /// "Work order #12" in the page's language.
        let workOrderLabel: String
        let doneNote: String
        let created: String
        let doneAction: String?
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let rows: [Row]
        let statuses: [Option]
        let account: String
        let truncated: Bool
        let form: FormView
    }

    func render(
        _ request: Request, context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let query = request.uri.queryParameters
        let statusText = String((query.get("status") ?? "open").prefix(20))
        guard ["open", "done", "all"].contains(statusText) else {
            throw AppError.validation(["status": L10n.t("console.tasks.chooseStatus")], message: L10n.t("console.tasks.filterFailed"))
        }
        let account = String((query.get("account") ?? "").prefix(64)).trimmingCharacters(in: .whitespaces)
        let listing = try await tasks.listing(
            accountNumber: account, status: TaskStatus(rawValue: statusText), limit: Self.limit, tenant: context.tenant.id)
        let (found, organizations, customers, numbers) = (listing.tasks, listing.organizations, listing.customerNames, listing.workOrderNumbers)
        let today = ISODates.today()
        let texts = L10n.texts
        var layout = context.layout(title: texts("console.tasks.title"), current: ConsoleRoutes.tasks.path)
        layout.notice = notice
        var values = form.values
        if values["account"] == nil { values["account"] = account }
        return try renderer.render(
            .adminTasksList, theme: context.tenant.theme,
            ListView(
                layout: layout,
                rows: found.prefix(Self.limit).map { task in
                    let organization = organizations[task.organizationId]
                    return Row(
                        title: task.title, details: task.details, organization: organization.map { "\($0.name) (\($0.accountNumber))" } ?? "",
                        organizationHref: ConsoleRoutes.customer(task.organizationId),
                        customer: task.customerId.flatMap { customers[$0] } ?? texts("console.tasks.wholeAccount"),
                        status: task.status.rawValue,
                        statusLabel: texts(task.status == .open ? "console.tasks.statusOpen" : "console.tasks.statusDone"), due: task.dueDate,
                        overdue: task.status == .open && (task.dueDate.map { $0 < today } ?? false),
                        workOrder: task.workOrderId.flatMap { numbers[$0] },
                        workOrderLabel: task.workOrderId.flatMap { numbers[$0] }.map { texts("console.tasks.workOrder", ["number": "\($0)"]) } ?? "",
                        doneNote: task.doneNote, created: DisplayDate.dateTime(task.createdAt),
                        doneAction: task.status == .open ? ConsoleRoutes.taskDone(task.id) : nil)
                },
                statuses: [("open", "Open"), ("done", "Done"), ("all", "All")].map {
                    Option(value: $0.0, label: texts("console.tasks.status\($0.1)"), selected: $0.0 == statusText)
                },
                account: account, truncated: found.count > Self.limit,
                form: FormView(FormState(values: values, errors: form.errors, message: form.message))), status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(request, context: context)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let number = form.text("account").trimmingCharacters(in: .whitespaces)
            let organization = number.isEmpty ? nil : try await tasks.account(number: String(number.prefix(64)), tenant: context.tenant.id)
            guard let organization else {
                throw AppError.validation([
                    "account": number.isEmpty
                        ? L10n.t("console.tasks.enterAccount")
                        : L10n.t("console.errors.noSuchAccount", ["account": String(number.prefix(64))])
                ])
            }
            let task = try await tasks.create(
                StaffTasks.Input(form: form), for: organization.id, staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
            return try await render(
                request, context: context, notice: L10n.t("console.tasks.created", ["title": task.title, "organization": organization.name]))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            if error.fields.isEmpty { state.message = error.message }
            return try await render(request, context: context, form: state, status: error.status)
        }
    }

    /// Staff mark a task done for the subscriber (say, they phoned to say so).
    @Sendable func markDone(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("task") }
        let task = try await tasks.markDone(id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return try await render(request, context: context, notice: "“\(task.title)” is marked done.")
    }
}
