import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin`: the command centre. Today's counts, the first rows behind each with quick
/// actions, refreshed live when anything in the tenant changes.
struct AdminHomeController {
    let pool: ConnectionPool
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.home, use: home)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        /// "Signed in as Ana (Agent).", word order by language.
        let signedInAs: String
        let isTechnician: Bool
        let canReview: Bool
        let counts: [Count]
        let awaitingApproval: [Order]
        let overdue: [Order]
        let unassigned: [Order]
        let dueToday: [Order]
        let appointments: [Appointment]
        let hasAwaiting: Bool
        let hasOverdue: Bool
        let hasUnassigned: Bool
        let hasDueToday: Bool
        let hasAppointments: Bool
        let staffId: String
        let eventsUrl: String

        @MustacheView
        struct Count { let label: String; let value: Int; let href: String; let attention: Bool }
        @MustacheView
        struct Order {
            let number: Int
            let title: String
            let organization: String
            let priority: String
            let urgent: Bool
            let due: String
            let assignee: String
            let since: String
            let version: Int
        }
        @MustacheView
        struct Appointment {
            let window: String
            let organization: String
            let organizationHref: String
            let technician: String
            let status: String
            let rescheduleRequested: Bool
        }
    }

    @Sendable func home(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let staff = context.staff
        let isTechnician = staff.role < .agent
        let today = ISODates.today()
        let snapshot = try await CommandCentre.load(
            assignee: isTechnician ? staff.id : nil, today: today, tenant: context.tenant.id, pool: pool)
        let counts = snapshot.counts
        let texts = L10n.texts
        var cards = [
            View.Count(
                label: texts("console.home.awaiting"), value: counts.awaitingApproval, href: "\(ConsoleRoutes.workOrders.path)?status=submitted",
                attention: counts.awaitingApproval > 0),
            View.Count(
                label: texts("console.home.overdue"), value: counts.overdue, href: "\(ConsoleRoutes.workOrders.path)?overdue=1",
                attention: counts.overdue > 0),
            View.Count(
                label: texts("console.home.dueToday"), value: counts.dueToday, href: "\(ConsoleRoutes.workOrders.path)?due=today", attention: false),
            View.Count(
                label: texts("console.home.appointmentsToday"), value: counts.appointmentsToday, href: ConsoleRoutes.appointments.path,
                attention: false),
            View.Count(
                label: texts("console.home.rescheduleRequests"), value: counts.rescheduleRequests,
                href: "\(ConsoleRoutes.appointments.path)?status=reschedule_requested",
                attention: counts.rescheduleRequests > 0),
        ]
        if !isTechnician {
            cards.insert(
                View.Count(
                    label: texts("console.home.unassigned"), value: counts.unassigned, href: "\(ConsoleRoutes.workOrders.path)?unassigned=1",
                    attention: counts.unassigned > 0), at: 2)
            cards.append(
                View.Count(
                    label: texts("console.home.undeliverable"), value: counts.undeliverableEmails, href: "\(ConsoleRoutes.outbox.path)?status=dead",
                    attention: counts.undeliverableEmails > 0))
        }
        let view = View(
            layout: context.layout(title: texts("console.nav.home"), current: ConsoleRoutes.home.path),
            signedInAs: texts("console.home.signedInAs", ["name": staff.displayName, "role": staff.role.consoleLabel]),
            isTechnician: isTechnician, canReview: !isTechnician, counts: cards,
            awaitingApproval: snapshot.awaitingApproval.map(Self.order), overdue: snapshot.overdue.map(Self.order),
            unassigned: snapshot.unassigned.map(Self.order), dueToday: snapshot.dueToday.map(Self.order),
            appointments: snapshot.appointments.map {
                View.Appointment(
                    window: DisplayDate.window($0.startsAt, $0.endsAt), organization: $0.organization,
                    organizationHref: ConsoleRoutes.customer($0.organizationId),
                    technician: $0.technician ?? texts("console.home.nobodyYet"),
                    status: texts("appointments.status.\($0.status)").lowercased(with: texts.locale),
                    rescheduleRequested: $0.status == "reschedule_requested")
            },
            hasAwaiting: !snapshot.awaitingApproval.isEmpty, hasOverdue: !snapshot.overdue.isEmpty, hasUnassigned: !snapshot.unassigned.isEmpty,
            hasDueToday: !snapshot.dueToday.isEmpty, hasAppointments: !snapshot.appointments.isEmpty,
            staffId: staff.id.uuidString.lowercased(), eventsUrl: ConsoleRoutes.events.path
        )
        return try renderer.render(.adminHome, theme: context.tenant.theme, view)
    }

    static func order(_ row: CommandCentre.OrderRow) -> View.Order {
        View.Order(
            number: row.number, title: row.title, organization: row.organization,
            priority: WorkOrderPriority(rawValue: row.priority)?.label ?? row.priority, urgent: row.priority == "urgent",
            due: row.dueDate ?? "", assignee: row.assignee ?? "", since: row.since.map(DisplayDate.dateTime) ?? "", version: row.version)
    }
}
