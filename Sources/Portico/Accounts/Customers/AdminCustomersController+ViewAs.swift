import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: View as the subscriber

    @MustacheView
    struct ViewAsView {
        let layout: LayoutModel
        let name: String
        let backHref: String
        /// "Zed's portal"
        let heading: String
        /// "Notes from Acme"
        let notesHeading: String
        let orders: [WorkOrderCard]
        let appointments: [PortalAppointmentsController.AppointmentView]
        let tasks: [DetailView.TaskRow]
        let notes: [DetailView.NoteRow]
    }

    /// What the subscriber's portal shows, read-only, with staff-only data left out exactly as
    /// the portal leaves it out. Every look is audited.
    @Sendable func viewAs(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let seen = try await customers.viewAs(id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        let name = seen.organization.name
        let today = ISODates.today()
        var layout = context.layout(title: L10n.t("console.viewAs.title", ["name": name]), current: ConsoleRoutes.customers.path)
        layout.notice = L10n.t("console.viewAs.readOnly", ["name": name])
        return try renderer.render(
            .adminCustomersViewAs, theme: context.tenant.theme,
            ViewAsView(
                layout: layout, name: name, backHref: ConsoleRoutes.customer(id),
                heading: L10n.t("console.viewAs.heading", ["name": name]),
                notesHeading: L10n.t("console.viewAs.notesFrom", ["company": layout.siteName]),
                orders: seen.orders.map { WorkOrderCard($0, today: today, base: ConsoleRoutes.workOrders.path) },
                appointments: seen.appointments.map { PortalAppointmentsController.view($0, technician: nil, workOrder: nil) },
                tasks: seen.openTasks.map(DetailView.TaskRow.init),
                notes: seen.sharedNotes.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), shared: true) }))
    }
}
