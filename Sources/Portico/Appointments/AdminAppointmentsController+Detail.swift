import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminAppointmentsController {
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
        let (appointment, organization, team, number) = try await pool.withTenant(context.tenant.id) { tx in
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
            return try await renderDetail(id, context: context, form: FormState.keeping(form, rejectedBy: error), status: error.status)
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
