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
        let data = try await pool.withTenant(context.tenant.id) { tx in
            guard let organization = try await repositories.organizations.find(id: id, in: tx) else { throw AppError.notFound("subscriber account") }
            try await audit(context, request, action: "organization.viewed_as_customer", target: organization.accountNumber, in: tx)
            let orders = try await repositories.workOrders.list(WorkOrderFilter(organizationId: id), limit: 20, offset: 0, in: tx)
            let appointments = try await repositories.appointments.list(organization: id, from: Date(), to: nil, in: tx)
            return (
                organization, orders, appointments,
                try await repositories.tasks.list(organization: id, status: .open, in: tx),
                try await repositories.notes.list(organization: id, sharedOnly: true, limit: 10, in: tx)
            )
        }
        let today = ISODates.today()
        var layout = context.layout(title: L10n.t("console.viewAs.title", ["name": data.0.name]), current: ConsoleRoutes.customers.path)
        layout.notice = L10n.t("console.viewAs.readOnly", ["name": data.0.name])
        return try renderer.render(
            .adminCustomersViewAs, theme: context.tenant.theme,
            ViewAsView(
                layout: layout, name: data.0.name, backHref: ConsoleRoutes.customer(id),
                heading: L10n.t("console.viewAs.heading", ["name": data.0.name]),
                notesHeading: L10n.t("console.viewAs.notesFrom", ["company": layout.siteName]),
                orders: data.1.map { WorkOrderCard($0, today: today, base: ConsoleRoutes.workOrders.path) },
                appointments: data.2.map { PortalAppointmentsController.view($0, technician: nil, workOrder: nil) },
                tasks: data.3.map(DetailView.TaskRow.init),
                notes: data.4.map { .init(body: $0.body, author: $0.authorName, when: DisplayDate.dateTime($0.createdAt), shared: true) }))
    }
}
