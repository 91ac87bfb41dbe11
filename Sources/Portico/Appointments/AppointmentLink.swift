import Foundation
import Hummingbird
import Mustache
import Postgres

/// A visit as other console pages link to it (work-order and subscriber pages).
@MustacheView
struct AppointmentLink: Sendable {
    let href: String
    /// "Install visit", as one phrase (word order differs by language).
    let kind: String
    let when: String
    let technician: String
    let status: String
    let statusLabel: String
    let attention: Bool

    /// The visits of an organization or work order this staff member may open (technicians:
    /// their own), for a page that sends it with its other reads; `links` names them.
    static func query(_ filter: AppointmentFilter, staff: SignedInStaff, repositories: Repositories) -> Query<[Appointment]> {
        var filter = filter
        if staff.role == .technician { filter.technicianId = staff.id }
        return repositories.appointments.searchQuery(filter, limit: 50)
    }

    static func links(_ appointments: [Appointment], team members: [StaffUser]) -> [AppointmentLink] {
        let team = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.displayName) })
        return appointments.map {
            AppointmentLink(
                href: ConsoleRoutes.appointment($0.id), kind: L10n.t("appointments.visit.\($0.kind.rawValue)"),
                when: DisplayDate.window($0.startsAt, $0.endsAt),
                technician: $0.technicianId.flatMap { team[$0] } ?? L10n.t("console.appointments.notAssigned"),
                status: $0.status.rawValue, statusLabel: $0.status.label, attention: $0.status == .rescheduleRequested)
        }
    }
}
