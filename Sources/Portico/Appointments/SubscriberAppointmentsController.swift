import Foundation
import Hummingbird

/// `/api/v1/appointments`: the organization's visits; confirm one, or ask to move it. The
/// rules are `CustomerAppointments`', as on the portal's pages.
struct SubscriberAppointmentsController {
    let service: CustomerAppointments

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.get(SubscriberAPIRoutes.appointments, use: list)
        group.post(SubscriberAPIRoutes.appointmentConfirm, use: confirm)
        group.post(SubscriberAPIRoutes.appointmentReschedule, use: reschedule)
    }

    struct WindowResource: Encodable, Sendable {
        let startsAt: Date
        let endsAt: Date
    }

    struct RescheduleRequestResource: Encodable, Sendable {
        let preferredTimes: [WindowResource]
        let note: String
    }

    struct AppointmentResource: Encodable, Sendable {
        let id: String
        let kind: String
        let status: String
        let startsAt: Date
        let endsAt: Date
        let address: String
        let notes: String
        @NullEncoded var technician: String?
        @NullEncoded var workOrderNumber: Int?
        let version: Int
        let canConfirm: Bool
        let canReschedule: Bool
        /// The subscriber's pending request to move it (status `reschedule_requested`).
        @NullEncoded var rescheduleRequest: RescheduleRequestResource?
        @NullEncoded var cancelReason: String?
    }

    static func resource(_ appointment: Appointment, _ references: CustomerAppointments.References) -> AppointmentResource {
        let request =
            appointment.status == .rescheduleRequested
            ? RescheduleRequestResource(
                preferredTimes: appointment.rescheduleWindows.map { WindowResource(startsAt: $0.startsAt, endsAt: $0.endsAt) },
                note: appointment.rescheduleNote)
            : nil
        return AppointmentResource(
            id: appointment.id.apiString, kind: appointment.kind.rawValue, status: appointment.status.rawValue,
            startsAt: appointment.startsAt, endsAt: appointment.endsAt, address: appointment.address, notes: appointment.notes,
            technician: appointment.technicianId.flatMap { references.technicians[$0]?.displayName },
            workOrderNumber: appointment.workOrderId.flatMap { references.workOrderNumbers[$0] }, version: appointment.version,
            canConfirm: CustomerAppointments.canConfirm(appointment), canReschedule: CustomerAppointments.canReschedule(appointment),
            rescheduleRequest: request, cancelReason: appointment.status == .cancelled ? appointment.cancelReason : nil)
    }

    /// A changed visit as the response shows it.
    func resource(_ appointment: Appointment, tenant: ResolvedTenant) async throws -> AppointmentResource {
        Self.resource(appointment, try await service.references(of: [appointment], tenant: tenant))
    }

    @Sendable func list(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let paging = try APIPaging(request)
        let page = try await APICursor.page(paging) { after in
            try await service.page(customer: context.customer, after: after, limit: paging.limit, tenant: context.tenant)
        } map: { appointments, references in
            appointments.map { Self.resource($0, references) }
        }
        return try APIJSON.response(page)
    }

    func id(_ context: SubscriberAPIContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("appointment") }
        return id
    }

    /// The optional body of confirm: the version the client saw (stale → 409).
    struct ConfirmBody: APIRequestBody {
        static let fields: Set<String> = ["version"]
        let version: Int?
    }

    @Sendable func confirm(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let id = try id(context)
        let body = try await APIBody.decodeIfPresent(ConfirmBody.self, from: request)
        let updated = try await service.confirm(
            id, version: body?.version, customer: context.customer, tenant: context.tenant,
            origin: SubscriberAuthController.origin(request, ip: context.clientIP))
        return try APIJSON.response(try await resource(updated, tenant: context.tenant))
    }

    struct RescheduleBody: APIRequestBody {
        static let fields: Set<String> = ["preferred_times", "note", "version"]
        static let nestedFields: [String: Set<String>] = ["preferred_times": ["starts_at", "ends_at"]]
        let preferredTimes: [TimeWindow]
        let note: String?
        let version: Int?
    }

    @Sendable func reschedule(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let id = try id(context)
        let body = try await APIBody.decode(RescheduleBody.self, from: request)
        let windows = try CustomerAppointments.validate(windows: body.preferredTimes)
        let updated = try await service.requestReschedule(
            id, windows: windows, note: body.note ?? "", version: body.version,
            customer: context.customer, tenant: context.tenant,
            origin: SubscriberAuthController.origin(request, ip: context.clientIP))
        return try APIJSON.response(try await resource(updated, tenant: context.tenant))
    }
}
