import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/appointments`: the visit calendar by day or week (filter by technician and status,
/// reschedule requests highlighted), scheduling, editing and cancelling visits for an
/// organization, answering reschedule requests, and marking visits done. Agents and admins do
/// everything; technicians see only their own visits and can mark them done.
struct AdminAppointmentsController {
    let dependencies: AppDependencies
    var service: StaffAppointments { StaffAppointments(dependencies: dependencies) }
    var renderer: PageRenderer { dependencies.renderer }
    var repositories: Repositories { dependencies.repositories }
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

        let (appointments, requests, staff, organizations) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
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
        return try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await repositories.workOrders.numbers(ids: Array(ids), in: tx)
        }
    }

    // MARK: Form fields

    /// The appointment form's choices and what is in it.
    @MustacheView
    struct FormFieldsView {
        let form: FormView
        let kinds: [Option]
        let technicians: [Option]
        let statuses: [Option]
        let action: String
        let isNew: Bool
        let submitLabel: String
        /// "From (Europe/Madrid)": the zone the times are read in.
        let fromLabel: String
        let toLabel: String
    }

    func fields(
        _ context: StaffRequestContext, values: [String: String], form: FormState, action: String, isNew: Bool,
        team: [StaffUser]
    ) -> FormFieldsView {
        let technician = values["technician_id"] ?? ""
        let texts = L10n.texts
        let zone = ["zone": DisplayDate.current.zone.identifier]
        return FormFieldsView(
            form: FormView(FormState(values: values, errors: form.errors, message: form.message)),
            kinds: AppointmentKind.allCases.map {
                Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (values["kind"] ?? "repair"))
            },
            technicians: [Option(value: "", label: texts("console.appointment.nobodyYet"), selected: technician.isEmpty)]
                + team.filter { $0.status == .active }.map {
                    Option(
                        value: $0.id.uuidString.lowercased(), label: "\($0.displayName) (\($0.role.consoleLabel))",
                        selected: $0.id.uuidString.lowercased() == technician.lowercased())
                },
            statuses: [
                Option(value: "proposed", label: texts("console.appointment.proposedOption"), selected: values["status"] != "confirmed"),
                Option(value: "confirmed", label: texts("console.appointment.confirmedOption"), selected: values["status"] == "confirmed"),
            ],
            action: action, isNew: isNew, submitLabel: texts(isNew ? "console.appointment.scheduleSubmit" : "console.appointment.saveChanges"),
            fromLabel: texts("console.appointment.from", zone), toLabel: texts("console.appointment.to", zone))
    }

    // MARK: New

    @MustacheView
    struct NewView {
        let layout: LayoutModel
        let fields: FormFieldsView
    }

    func renderNew(_ context: StaffRequestContext, form: FormState, status: HTTPResponse.Status = .ok) async throws -> HTML {
        let team = try await dependencies.pool.withTenant(context.tenant.id) { tx in try await repositories.staff.all(in: tx) }
        return try renderer.render(
            .adminAppointmentsNew, theme: context.tenant.theme,
            NewView(
                layout: context.layout(title: L10n.t("console.appointment.schedule"), current: ConsoleRoutes.appointments.path),
                fields: fields(context, values: form.values, form: form, action: ConsoleRoutes.appointments.path, isNew: true, team: team)),
            status: status)
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        var state = FormState()
        let query = request.uri.queryParameters
        if let account = query.get("account") { state.values["account"] = String(account.prefix(64)) }
        if let order = query.get("work_order") { state.values["work_order"] = String(order.prefix(12)) }
        if let date = query.get("date"), DateInput.isISODate(String(date)) { state.values["date"] = String(date) }
        return try await renderNew(context, form: state)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let appointment = try await service.create(
                StaffAppointments.Input(form: form), staff: context.staff, origin: context.origin(request),
                tenant: context.tenant)
            return Redirect(to: "\(ConsoleRoutes.appointment(appointment.id))?created=1").response
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            if error.fields.isEmpty { state.message = error.message }
            return try await renderNew(context, form: state, status: error.status).response(from: request, context: context)
        }
    }

    // MARK: Detail

    @MustacheView
    struct DetailView {
        let layout: LayoutModel
        let id: String
        let kind: String
        let when: String
        let status: String
        let statusLabel: String
        let attention: Bool
        let organization: String
        let organizationHref: String
        let accountNumber: String
        let workOrder: Int?
        let technician: String
        let address: String
        let notes: String
        let cancelReason: String
        let rescheduleNote: String
        let proposals: [Proposal]
        let version: Int
        let isOpen: Bool
        let canManage: Bool
        let canComplete: Bool
        let form: FormView
        let fields: FormFieldsView
        let backHref: String
        let eventsUrl: String
        @MustacheView
        struct Proposal { let choice: Int; let when: String; let past: Bool }
    }

    func renderDetail(
        _ id: UUID, context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let staff = context.staff
        let (appointment, organization, team, number) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let appointment = try await service.find(id, staff: staff, in: tx)
            return (
                appointment, try await repositories.organizations.find(id: appointment.organizationId, in: tx),
                try await repositories.staff.all(in: tx),
                try await appointment.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil
            )
        }
        let visit = L10n.t("appointments.visit.\(appointment.kind.rawValue)")
        var layout = context.layout(title: visit, current: ConsoleRoutes.appointments.path)
        layout.notice = notice
        let formats = DisplayDate.current.formats, dayFormat = formats.day, timeFormat = formats.time
        var values = [
            "kind": appointment.kind.rawValue, "technician_id": appointment.technicianId?.uuidString.lowercased() ?? "",
            "date": dayFormat.format(appointment.startsAt), "start": timeFormat.format(appointment.startsAt),
            "end": timeFormat.format(appointment.endsAt), "address": appointment.address, "notes": appointment.notes,
            "work_order": number.map(String.init) ?? "",
        ]
        values.merge(form.values) { $1 }
        let open = [.proposed, .confirmed, .rescheduleRequested].contains(appointment.status)
        let canManage = staff.role >= .agent
        let now = Date()
        let view = DetailView(
            layout: layout, id: id.uuidString.lowercased(), kind: visit,
            when: DisplayDate.window(appointment.startsAt, appointment.endsAt), status: appointment.status.rawValue,
            statusLabel: appointment.status.label, attention: appointment.status == .rescheduleRequested,
            organization: organization?.name ?? "",
            organizationHref: canManage ? ConsoleRoutes.customer(appointment.organizationId) : "",
            accountNumber: organization?.accountNumber ?? "", workOrder: number,
            technician: appointment.technicianId.flatMap { tech in team.first { $0.id == tech }?.displayName }
                ?? L10n.t("console.appointments.notAssigned"),
            address: appointment.address, notes: appointment.notes, cancelReason: appointment.cancelReason,
            rescheduleNote: appointment.rescheduleNote,
            proposals: appointment.status == .rescheduleRequested
                ? appointment.rescheduleWindows.enumerated().map {
                    .init(choice: $0.offset + 1, when: DisplayDate.window($0.element.startsAt, $0.element.endsAt), past: $0.element.startsAt <= now)
                }
                : [],
            version: appointment.version, isOpen: open, canManage: canManage && open,
            canComplete: appointment.status == .confirmed || appointment.status == .proposed,
            form: FormView(form),
            fields: fields(context, values: values, form: form, action: ConsoleRoutes.appointment(id), isNew: false, team: team),
            backHref: "\(ConsoleRoutes.appointments.path)?view=day&date=\(dayFormat.format(appointment.startsAt))",
            eventsUrl: ConsoleRoutes.events.path)
        return try renderer.render(.adminAppointmentsDetail, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func detail(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let notice = request.uri.queryParameters.get("created") == "1" ? L10n.t("console.appointment.scheduled") : nil
        return try await renderDetail(try Self.id(context), context: context, notice: notice)
    }

    /// Runs a change; problems re-render the page with what was typed and the reason.
    func act(_ id: UUID, context: StaffRequestContext, form: FormFields, _ action: () async throws -> String) async throws -> HTML {
        do {
            let notice = try await action()
            return try await renderDetail(id, context: context, notice: notice)
        } catch let error as AppError where [.validation, .conflict].contains(error.kind) {
            var state = FormState.keeping(form)
            state.errors = error.fields
            state.message = error.fields.isEmpty ? error.message : nil
            return try await renderDetail(id, context: context, form: state, status: error.status)
        }
    }

    func version(_ form: FormFields) -> Int { Int(form.text("version")) ?? -1 }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try Self.id(context)
        let form = try await FormFields.read(request)
        return try await act(id, context: context, form: form) {
            let result = try await service.update(
                id, StaffAppointments.Input(form: form), version: version(form), staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
            guard result.changed else { return L10n.t("console.appointment.nothingChanged") }
            return L10n.t(result.appointment.status == .proposed ? "console.appointment.savedAsk" : "console.appointment.saved")
        }
    }

    @Sendable func cancel(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try Self.id(context)
        let form = try await FormFields.read(request)
        return try await act(id, context: context, form: form) {
            _ = try await service.cancel(
                id, reason: form.text("reason"), version: version(form), staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
            return L10n.t("console.appointment.cancelled")
        }
    }

    @Sendable func accept(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try Self.id(context)
        let form = try await FormFields.read(request)
        return try await act(id, context: context, form: form) {
            _ = try await service.accept(
                id, choice: Int(form.text("choice")) ?? 0, version: version(form), staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
            return L10n.t("console.appointment.accepted")
        }
    }

    @Sendable func propose(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try Self.id(context)
        let form = try await FormFields.read(request)
        return try await act(id, context: context, form: form) {
            _ = try await service.propose(
                id, date: form.text("propose_date"), start: form.text("propose_start"), end: form.text("propose_end"),
                note: form.text("propose_note"), version: version(form), staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
            return L10n.t("console.appointment.proposed")
        }
    }

    @Sendable func complete(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try Self.id(context)
        let form = try await FormFields.read(request)
        return try await act(id, context: context, form: form) {
            _ = try await service.complete(id, version: version(form), staff: context.staff, origin: context.origin(request), tenant: context.tenant)
            return L10n.t("console.appointment.markedDone")
        }
    }
}

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
    /// their own), newest window last.
    /// `team`: the tenant's staff, when the caller has them already.
    static func load(
        _ filter: AppointmentFilter, staff: SignedInStaff, team: [StaffUser]? = nil, repositories: Repositories,
        in tx: TenantTransaction
    ) async throws -> [AppointmentLink] {
        var filter = filter
        if staff.role == .technician { filter.technicianId = staff.id }
        let appointments = try await repositories.appointments.search(filter, limit: 50, in: tx)
        let members: [StaffUser]
        if let team { members = team } else { members = try await repositories.staff.all(in: tx) }
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
