import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/appointments`: the visit calendar by day or week (filter by technician and status,
/// reschedule requests highlighted), scheduling, editing and cancelling visits for an
/// organization, answering reschedule requests, and marking visits done. Agents and admins do
/// everything; technicians see only their own visits and can mark them done.
struct AdminAppointmentsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let service: StaffAppointments
    static let listLimit = 500

    /// `console`: any signed-in staff; `agents`: agents and admins.
    func addRoutes(console: RouterGroup<StaffRequestContext>, agents: RouterGroup<StaffRequestContext>) {
        console.get(ConsoleRoutes.appointments, use: calendar)
        console.get(ConsoleRoutes.appointment, use: detail)
        console.post(ConsoleRoutes.appointmentComplete, use: complete)
        agents.get(ConsoleRoutes.newAppointment, use: newForm)
        agents.post(ConsoleRoutes.appointments, use: create)
        agents.post(ConsoleRoutes.appointment, use: update)
        agents.post(ConsoleRoutes.appointmentCancel, use: cancel)
        agents.post(ConsoleRoutes.appointmentAccept, use: accept)
        agents.post(ConsoleRoutes.appointmentPropose, use: propose)
    }

    static func id(_ context: StaffRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("appointment") }
        return id
    }

    /// The reader's calendar: days and weeks begin at their local midnight.
    static var calendar: Calendar { DisplayDate.current.formats.calendar }
}
