import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/appointments`: upcoming and past visits, confirm, ask to reschedule, `.ics`
/// downloads and a private calendar feed.
struct PortalAppointmentsController {
    let service: CustomerAppointments
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.appointments, use: list)
        group.get(PortalRoutes.appointment, use: detail)
        group.post(PortalRoutes.appointmentConfirm, use: confirm)
        group.post(PortalRoutes.appointmentReschedule, use: reschedule)
        group.post(PortalRoutes.appointmentsFeed, use: createFeed)
        group.post(PortalRoutes.appointmentsFeedRevoke, use: revokeFeed)
    }

    @MustacheView
    struct AppointmentView: Sendable {
        let id: String
        let kind: String
        /// "Install visit", as one phrase (word order differs by language).
        let kindVisit: String
        let when: String
        let status: String
        let statusLabel: String
        let address: String
        let notes: String
        let technician: String?
        let workOrder: Int?
        let href: String
        let icsHref: String
        let canConfirm: Bool
        let canReschedule: Bool
        let version: Int
        let proposals: [String]
        let rescheduleNote: String
        let cancelReason: String
    }

    static func view(_ appointment: Appointment, technician: String?, workOrder: Int?) -> AppointmentView {
        let id = appointment.id.uuidString.lowercased()
        let future = appointment.startsAt > Date()
        return AppointmentView(
            id: id, kind: appointment.kind.label, kindVisit: L10n.t("appointments.visit.\(appointment.kind.rawValue)"),
            when: DisplayDate.window(appointment.startsAt, appointment.endsAt),
            status: appointment.status.rawValue, statusLabel: appointment.status.label, address: appointment.address, notes: appointment.notes,
            technician: technician, workOrder: workOrder, href: PortalRoutes.appointment(appointment.id),
            icsHref: "\(PortalRoutes.appointment(appointment.id)).ics",
            canConfirm: future && (appointment.status == .proposed || appointment.status == .rescheduleRequested),
            canReschedule: future && [.proposed, .confirmed, .rescheduleRequested].contains(appointment.status),
            version: appointment.version, proposals: appointment.rescheduleWindows.map { DisplayDate.window($0.startsAt, $0.endsAt) },
            rescheduleNote: appointment.rescheduleNote, cancelReason: appointment.status == .cancelled ? appointment.cancelReason : ""
        )
    }

    static func view(_ appointment: Appointment, related: CustomerAppointments.References) -> AppointmentView {
        view(
            appointment, technician: appointment.technicianId.flatMap { related.technicians[$0]?.displayName },
            workOrder: appointment.workOrderId.flatMap { related.workOrderNumbers[$0] })
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let upcoming: [AppointmentView]
        let past: [AppointmentView]
        let hasFeed: Bool
        let feedUrl: String?
    }

    func renderList(_ context: CustomerRequestContext, feedUrl: String? = nil, notice: String? = nil) async throws -> HTML {
        let overview = try await service.overview(customer: context.customer, tenant: context.tenant)
        let now = Date()
        let isUpcoming = { (appointment: Appointment) in
            appointment.endsAt > now && appointment.status != .cancelled && appointment.status != .completed
        }
        var layout = context.layout(title: L10n.t("portal.appointments.heading"), current: PortalRoutes.appointments.path)
        layout.notice = notice
        let view = ListView(
            layout: layout, upcoming: overview.appointments.filter(isUpcoming).map { Self.view($0, related: overview.related) },
            past: overview.appointments.filter { !isUpcoming($0) }.map { Self.view($0, related: overview.related) }.reversed(),
            hasFeed: overview.hasFeed, feedUrl: feedUrl)
        return try renderer.render(.portalAppointmentsList, theme: context.tenant.theme, view)
    }

    @Sendable func list(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        try await renderList(context)
    }

    @MustacheView
    struct DetailView {
        let layout: LayoutModel
        let appointment: AppointmentView
        let form: FormView
    }

    /// `/portal/appointments/{id}` and `/portal/appointments/{id}.ics`.
    @Sendable func detail(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        var text = context.parameters.get("id") ?? ""
        let wantsICS = text.hasSuffix(".ics")
        if wantsICS { text.removeLast(4) }
        guard let id = UUID(uuidString: text) else { throw AppError.notFound("appointment") }
        if wantsICS {
            let appointment = try await service.find(id, customer: context.customer, tenant: context.tenant)
            let host = URLComponents(string: context.tenant.publicOrigin)?.host ?? "portico"
            let body = ICalendar.document(
                [ICalendar.event(appointment, tenant: context.tenant, host: host)], name: context.tenant.branding.companyName,
                timeZone: context.tenant.timeZone)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/calendar; charset=utf-8", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"appointment-\(text.prefix(8)).ics\"",
                ], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return try await renderDetail(id, context: context).response(from: request, context: context)
    }

    func renderDetail(
        _ id: UUID, context: CustomerRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (found, related) = try await service.detail(id, customer: context.customer, tenant: context.tenant)
        let appointment = Self.view(found, related: related)
        var layout = context.layout(title: appointment.kindVisit, current: PortalRoutes.appointments.path)
        layout.notice = notice
        return try renderer.render(
            .portalAppointmentsDetail, theme: context.tenant.theme,
            DetailView(layout: layout, appointment: appointment, form: FormView(form)), status: status)
    }

    func id(_ context: CustomerRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("appointment") }
        return id
    }

    @Sendable func confirm(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let id = try id(context)
        let form = try await FormFields.read(request)
        do {
            _ = try await service.confirm(
                id, version: Int(form.text("version")) ?? -1, customer: context.customer, tenant: context.tenant,
                origin: RequestOrigin(request, ip: context.clientIP))
            return try await renderDetail(id, context: context, notice: L10n.t("portal.appointment.confirmed"))
        } catch let error as AppError where error.kind == .conflict {
            return try await renderDetail(id, context: context, form: FormState(message: error.message), status: .conflict)
        }
    }

    @Sendable func reschedule(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let id = try id(context)
        let form = try await FormFields.read(request)
        do {
            let windows = try CustomerAppointments.windows(from: form)
            _ = try await service.requestReschedule(
                id, windows: windows, note: form.text("note"), version: Int(form.text("version")) ?? -1,
                customer: context.customer, tenant: context.tenant,
                origin: RequestOrigin(request, ip: context.clientIP))
            return try await renderDetail(id, context: context, notice: L10n.t("portal.appointment.requestSent"))
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            return try await renderDetail(id, context: context, form: FormState.keeping(form, rejectedBy: error), status: error.status)
        }
    }

    @Sendable func createFeed(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let url = try await service.createFeed(customer: context.customer, tenant: context.tenant)
        return try await renderList(context, feedUrl: url, notice: L10n.t("portal.appointments.feed.ready"))
    }

    @Sendable func revokeFeed(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        try await service.revokeFeed(customer: context.customer, tenant: context.tenant)
        return try await renderList(context, notice: L10n.t("portal.appointments.feed.revoked"))
    }
}

/// `/calendar/{token}.ics`: an organization's appointments for calendar apps. The token in the
/// URL is the only credential (calendar apps cannot sign in); it can be revoked.
struct CalendarFeedController {
    let service: CustomerAppointments

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PublicRoutes.calendarFeed, use: feed)
    }

    @Sendable func feed(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard let file = context.parameters.get("file"), file.hasSuffix(".ics") else { throw AppError.notFound("calendar") }
        let token = String(file.dropLast(4))
        guard token.count >= 20, token.count <= 100 else { throw AppError.notFound("calendar") }
        guard let appointments = try await service.feed(token: token, tenant: context.tenant) else { throw AppError.notFound("calendar") }
        let host = URLComponents(string: context.tenant.publicOrigin)?.host ?? "portico"
        let body = ICalendar.document(
            appointments.map { ICalendar.event($0, tenant: context.tenant, host: host) }, name: context.tenant.branding.companyName,
            timeZone: context.tenant.timeZone)
        var response = Response(
            status: .ok, headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "private, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
        response.headers[.referrerPolicy] = "no-referrer"
        return response
    }
}
