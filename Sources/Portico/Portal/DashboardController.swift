import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal`: the tenant's welcome, open work orders as status cards, the next appointment
/// with its actions, open tasks, recent shared notes, and any outage banner.
struct DashboardController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("portal", use: dashboard)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let customerName: String
        let welcomeMessage: String
        let emailVerified: Bool
        let email: String
        let openOrders: [WorkOrderCard]
        let nextAppointment: PortalAppointmentsController.AppointmentView?
        let openTasks: [PortalPagesController.TaskView]
        let notes: [PortalPagesController.NotesView.NoteView]
        let notices: [ServiceNotices.View]
        let eventsUrl: String
    }

    @Sendable func dashboard(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let organization = context.customer.organizationId
        let repositories = dependencies.repositories
        let data = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let orders = try await repositories.workOrders.list(
                WorkOrderFilter(organizationId: organization, statuses: [.draft, .submitted, .approved, .inProgress, .waiting], draftsOf: context.customer.id),
                limit: 12, offset: 0, in: tx)
            let next = try await repositories.appointments.list(organization: organization, from: Date(), to: nil, in: tx)
                .first { $0.status != .cancelled && $0.status != .completed }
            var nextView: PortalAppointmentsController.AppointmentView?
            if let next {
                let technician = try await next.technicianId.asyncMap { try await repositories.staff.find(id: $0, in: tx)?.displayName } ?? nil
                let number = try await next.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil
                nextView = PortalAppointmentsController.view(next, technician: technician, workOrder: number)
            }
            let tasks = try await repositories.tasks.list(organization: organization, status: .open, in: tx)
            let notes = try await repositories.notes.list(organization: organization, sharedOnly: true, limit: 3, in: tx)
                .filter { $0.customerId == nil || $0.customerId == context.customer.id }
            let notices = try await ServiceNotices.active(in: tx)
            return (orders, nextView, tasks, notes, notices)
        }
        let today = ISODates.today()
        let view = View(
            layout: context.layout(title: "Dashboard", current: "/portal"),
            customerName: context.customer.name, welcomeMessage: context.tenant.branding.welcomeMessage,
            emailVerified: context.customer.emailVerified, email: context.customer.email,
            openOrders: data.0.map { WorkOrderCard($0, today: today) }, nextAppointment: data.1,
            openTasks: data.2.prefix(5).map { PortalPagesController.TaskView(id: $0.id.uuidString.lowercased(), title: $0.title, details: $0.details, due: $0.dueDate,
                                                                             done: false, doneAt: nil, doneNote: "", workOrder: nil) },
            notes: data.3.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt)) },
            notices: data.4.map { ServiceNotices.view($0) },
            eventsUrl: "/portal/events"
        )
        return try dependencies.renderer.render(.portalDashboard, theme: context.tenant.theme, view)
    }
}
