import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal`: the tenant's welcome, open work orders as status cards, the next appointment
/// with its actions, open tasks, recent shared notes, and any outage banner.
struct DashboardController {
    let dashboards: PortalDashboards
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.home, use: dashboard)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let customerName: String
        let greeting: String
        let confirmEmail: String
        let welcomeMessage: String
        let emailVerified: Bool
        let email: String
        let openOrders: [WorkOrderCard]
        let nextAppointment: PortalAppointmentsController.AppointmentView?
        let openTasks: [PortalTasksController.TaskView]
        /// "3 more tasks" when the dashboard shows only the first five.
        let moreTasks: String
        let notes: [PortalNotesController.NotesView.NoteView]
        let notices: [ServiceNotices.View]
        let eventsUrl: String
    }

    @Sendable func dashboard(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let (orders, next, tasks, notes, notices) = try await dashboards.load(for: context.customer, tenant: context.tenant.id)
        let today = ISODates.today()
        let view = View(
            layout: context.layout(title: L10n.t("portal.dashboard.title"), current: PortalRoutes.home.path),
            customerName: context.customer.name,
            greeting: L10n.t("portal.dashboard.greeting", ["name": context.customer.name]),
            confirmEmail: L10n.t("portal.dashboard.confirmEmail", ["email": context.customer.email]),
            welcomeMessage: context.tenant.branding.translations.localized(
                "welcome_message", default: context.tenant.branding.welcomeMessage),
            emailVerified: context.customer.emailVerified, email: context.customer.email,
            openOrders: orders.map { WorkOrderCard($0, today: today) },
            nextAppointment: next.map { PortalAppointmentsController.view($0.appointment, technician: $0.technician, workOrder: $0.workOrderNumber) },
            openTasks: tasks.prefix(5).map {
                PortalTasksController.TaskView(
                    id: $0.id.uuidString.lowercased(), title: $0.title, details: $0.details, due: $0.dueDate,
                    done: false, doneAt: nil, doneNote: "", workOrder: nil)
            },
            moreTasks: tasks.count > 5 ? L10n.texts.plural("portal.dashboard.moreTasks", count: tasks.count - 5) : "",
            notes: notes.filter { $0.customerId == nil || $0.customerId == context.customer.id }
                .map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt)) },
            notices: notices.map { ServiceNotices.view($0) },
            eventsUrl: PortalRoutes.events.path
        )
        return try renderer.render(.portalDashboard, theme: context.tenant.theme, view)
    }
}

/// What the dashboard shows, read in one round trip.
struct PortalDashboards: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories

    func load(
        for customer: SignedInCustomer, tenant: TenantID
    ) async throws
        -> ([WorkOrder], UpcomingAppointment?, [TaskItem], [Note], [ServiceNotice])
    {
        let organization = customer.organizationId
        let openOrders = WorkOrderFilter(
            organizationId: organization, statuses: [.draft, .submitted, .approved, .inProgress, .waiting],
            draftsOf: customer.id)
        // One round trip: on a GET the session's transaction continues here and its COMMIT
        // goes with these reads (SessionMiddleware, ConnectionPool.read).
        return try await pool.read(
            tenant,
            repositories.workOrders.listQuery(openOrders, limit: 12, offset: 0),
            repositories.appointments.nextQuery(organization: organization),
            repositories.tasks.listQuery(organization: organization, status: .open),
            repositories.notes.listQuery(organization: organization, sharedOnly: true, limit: 3),
            ServiceNotices.activeQuery)
    }
}
