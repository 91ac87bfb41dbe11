import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/tasks`: the organization's open and done tasks; a subscriber marks one done with a note.
struct PortalTasksController {
    let renderer: PageRenderer
    let tasks: CustomerTasks

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.tasks, use: tasks)
        group.post(PortalRoutes.taskDone, use: taskDone)
    }

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
        let (found, numbers) = try await tasks.all(customer: context.customer, tenant: context.tenant.id)
        let items = found.map { task in
            TaskView(
                id: task.id.uuidString.lowercased(), title: task.title, details: task.details, due: task.dueDate, done: task.status == .done,
                doneAt: task.doneAt.map(DisplayDate.dateTime), doneNote: task.doneNote, workOrder: task.workOrderId.flatMap { numbers[$0] })
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
        try await tasks.markDone(
            id, note: note, customer: context.customer, tenant: context.tenant,
            origin: RequestOrigin(request, ip: context.clientIP))
        return try await renderTasks(context, notice: L10n.t("portal.tasks.markedDone"))
    }
}
