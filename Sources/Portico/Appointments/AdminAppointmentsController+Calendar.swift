import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminAppointmentsController {
    // MARK: Calendar

    @MustacheView
    struct Row: Sendable {
        let href: String
        let time: String
        let kind: String
        let organization: String
        let technician: String
        let status: String
        let statusLabel: String
        let attention: Bool
        let workOrder: Int?
        /// "work order #12" in the page's language ("" without one).
        let workOrderLabel: String
        let when: String
    }

    @MustacheView
    struct Day: Sendable {
        let heading: String
        let isToday: Bool
        let rows: [Row]
    }

    @MustacheView
    struct CalendarView {
        let layout: LayoutModel
        let title: String
        let isWeek: Bool
        let days: [Day]
        /// "3 visits. Times are in Europe/Madrid."
        let summary: String
        let requests: [Row]
        /// "Reschedule requests waiting (2)"
        let requestsHeading: String
        let previousHref: String
        let nextHref: String
        let todayHref: String
        let dayHref: String
        let weekHref: String
        let date: String
        let view: String
        let technicians: [Option]
        let statuses: [Option]
        let canFilterTechnician: Bool
        let canCreate: Bool
        let truncated: Bool
        let eventsUrl: String
    }

    /// The range a view covers: one local day (23 or 25 hours on a night the clocks change), or
    /// the Monday-to-Sunday week holding `date`.
    static func range(view: String, date: Date, calendar: Calendar = Self.calendar) -> (Date, Date) {
        let day = calendar.startOfDay(for: date)
        guard view == "week" else { return (day, calendar.date(byAdding: .day, value: 1, to: day)!) }
        let weekday = calendar.component(.weekday, from: day)  // 1 = Sunday
        let monday = calendar.date(byAdding: .day, value: -((weekday + 5) % 7), to: day)!
        return (monday, calendar.date(byAdding: .day, value: 7, to: monday)!)
    }

    @Sendable func calendar(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) } }
        var problems: [String: String] = [:]
        let view = value("view") ?? "day"
        if view != "day" && view != "week" { problems["view"] = L10n.t("console.appointments.chooseView") }
        let dateText = value("date") ?? ISODates.today()
        if !DateInput.isISODate(dateText) { problems["date"] = L10n.t("console.appointments.dateLike") }
        let status = value("status")
        if let status, AppointmentStatus(rawValue: status) == nil { problems["status"] = L10n.t("console.appointments.chooseStatus") }
        let technician = value("technician")
        if let technician, technician != "none", UUID(uuidString: technician) == nil {
            problems["technician"] = L10n.t("console.appointments.chooseTechnician")
        }
        let calendar = Self.calendar
        guard problems.isEmpty,
            let date = ISODates.parseDay(dateText).flatMap({ noonUTC -> Date? in
                let day = DateFormats.calendar.dateComponents([.year, .month, .day], from: noonUTC)
                return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))
            })
        else {
            throw AppError.validation(problems, message: L10n.t("console.appointments.cannotShow"))
        }
        let (from, to) = Self.range(view: view, date: date, calendar: calendar)
        var filter = AppointmentFilter(from: from, to: to, status: status.flatMap(AppointmentStatus.init))
        if let technician { if technician == "none" { filter.unassigned = true } else { filter.technicianId = UUID(uuidString: technician) } }
        let isTechnician = context.staff.role == .technician
        if isTechnician { filter.technicianId = context.staff.id; filter.unassigned = false }
        var requestFilter = AppointmentFilter(status: .rescheduleRequested)
        if isTechnician { requestFilter.technicianId = context.staff.id }

        let (appointments, requests, staff, organizations) = try await pool.withTenant(context.tenant.id) { tx in
            let appointments = try await repositories.appointments.search(filter, limit: Self.listLimit + 1, in: tx)
            let requests = try await repositories.appointments.search(requestFilter, limit: 100, in: tx)
            let names = try await repositories.organizations.names(ids: (appointments + requests).map(\.organizationId), in: tx)
            return (appointments, requests, try await repositories.staff.all(in: tx), names)
        }
        let staffNames = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0.displayName) })
        let numbers = try await workOrderNumbers(Set((appointments + requests).compactMap(\.workOrderId)), context: context)
        // Day headings name weekdays and months in the staff member's language.
        let formats = DisplayDate.reader.formats
        let times = formats.time
        let texts = L10n.texts
        func row(_ appointment: Appointment) -> Row {
            Row(
                href: ConsoleRoutes.appointment(appointment.id),
                time: "\(times.format(appointment.startsAt))–\(times.format(appointment.endsAt))",
                kind: texts("appointments.visit.\(appointment.kind.rawValue)"), organization: organizations[appointment.organizationId] ?? "",
                technician: appointment.technicianId.flatMap { staffNames[$0] } ?? texts("console.appointments.notAssigned"),
                status: appointment.status.rawValue, statusLabel: appointment.status.label,
                attention: appointment.status == .rescheduleRequested,
                workOrder: appointment.workOrderId.flatMap { numbers[$0] },
                workOrderLabel: appointment.workOrderId.flatMap { numbers[$0] }.map { texts("console.appointments.workOrder", ["number": "\($0)"]) }
                    ?? "",
                when: DisplayDate.window(appointment.startsAt, appointment.endsAt))
        }
        let shown = Array(appointments.prefix(Self.listLimit))
        let dayCount = view == "week" ? 7 : 1
        let headings = formats.longDay
        let today = calendar.startOfDay(for: Date())
        let days = (0..<dayCount).map { offset -> Day in
            let start = calendar.date(byAdding: .day, value: offset, to: from)!
            let end = calendar.date(byAdding: .day, value: 1, to: start)!
            return Day(
                heading: headings.format(start), isToday: start == today,
                rows: shown.filter { $0.startsAt >= start && $0.startsAt < end }.map(row))
        }

        let isoDay = formats.day
        func link(view: String, date: Date) -> String {
            var items = [URLQueryItem(name: "view", value: view), URLQueryItem(name: "date", value: isoDay.format(date))]
            if let technician, !isTechnician { items.append(URLQueryItem(name: "technician", value: technician)) }
            if let status { items.append(URLQueryItem(name: "status", value: status)) }
            var components = URLComponents()
            components.queryItems = items
            return "\(ConsoleRoutes.appointments.path)?" + (components.percentEncodedQuery ?? "")
        }
        let step = view == "week" ? 7 : 1
        let title =
            view == "week"
            ? texts("console.appointments.weekOf", ["date": formats.shortDay.format(from)])
            : headings.format(from)
        return try renderer.render(
            .adminAppointmentsCalendar, theme: context.tenant.theme,
            CalendarView(
                layout: context.layout(title: texts("console.appointments.title"), current: ConsoleRoutes.appointments.path),
                title: title, isWeek: view == "week", days: days,
                summary: texts.plural("console.appointments.count", count: shown.count) + " "
                    + texts("console.appointments.timesIn", ["zone": DisplayDate.current.zone.identifier]),
                requests: requests.map(row),
                requestsHeading: texts("console.appointments.requestsWaiting", ["count": requests.count.formatted(.number.locale(texts.locale))]),
                previousHref: link(view: view, date: calendar.date(byAdding: .day, value: -step, to: from)!),
                nextHref: link(view: view, date: calendar.date(byAdding: .day, value: step, to: from)!),
                todayHref: link(view: view, date: Date()), dayHref: link(view: "day", date: date), weekHref: link(view: "week", date: date),
                date: dateText, view: view,
                technicians: [
                    Option(value: "", label: texts("console.appointments.anyone"), selected: technician == nil),
                    Option(value: "none", label: texts("console.appointments.notAssigned"), selected: technician == "none"),
                ]
                    + staff.filter { $0.status == .active }.map {
                        Option(
                            value: $0.id.uuidString.lowercased(), label: $0.displayName,
                            selected: $0.id.uuidString.lowercased() == technician?.lowercased())
                    },
                statuses: [Option(value: "", label: texts("console.appointments.anyStatus"), selected: status == nil)]
                    + AppointmentStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status) },
                canFilterTechnician: !isTechnician, canCreate: context.staff.role >= .agent,
                truncated: appointments.count > Self.listLimit, eventsUrl: ConsoleRoutes.events.path))
    }

    func workOrderNumbers(_ ids: Set<UUID>, context: StaffRequestContext) async throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.workOrders.numbers(ids: Array(ids), in: tx)
        }
    }
}
