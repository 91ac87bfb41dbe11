import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminAppointmentsController {
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
        let team = try await pool.withTenant(context.tenant.id) { tx in try await repositories.staff.all(in: tx) }
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
            return try await renderNew(context, form: FormState.keeping(form, rejectedBy: error), status: error.status).response(
                from: request, context: context)
        }
    }
}
