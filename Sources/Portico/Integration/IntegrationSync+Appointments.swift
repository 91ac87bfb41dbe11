import Foundation
import PorticoCrypto
import Postgres

/// Appointments booked and moved by an integration, through the staff service's rules.
extension IntegrationSync {

    public struct AppointmentBody: APIRequestBody {
        public static let fields: Set<String> = ["work_order_number", "starts_at", "ends_at", "kind", "technician", "status", "address", "notes"]
        public var workOrderNumber: Int
        public var startsAt: Date
        public var endsAt: Date
        public var kind: String
        public var technician: String?
        public var status: String?
        public var address: String?
        public var notes: String?
    }

    public struct AppointmentPatch: APIRequestBody {
        public static let fields: Set<String> = ["status", "starts_at", "ends_at", "reason"]
        public var status: String?
        public var startsAt: Date?
        public var endsAt: Date?
        public var reason: String?
    }

    static let dayFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd|HH:mm"
        return formatter
    }()

    /// The console's form takes a UTC date and two times; the API takes two timestamps.
    static func formWindow(_ startsAt: Date, _ endsAt: Date) throws -> [String: String] {
        var problems: [String: String] = [:]
        if startsAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) != 0 {
            problems["starts_at"] = "Use whole minutes, like 2026-11-22T09:00:00Z."
        }
        if endsAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) != 0 {
            problems["ends_at"] = "Use whole minutes, like 2026-11-22T12:00:00Z."
        }
        let start = dayFormat.string(from: startsAt).split(separator: "|").map(String.init)
        let end = dayFormat.string(from: endsAt).split(separator: "|").map(String.init)
        if endsAt > startsAt && start[0] != end[0] { problems["ends_at"] = "A visit starts and ends on the same day (UTC)." }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return ["date": start[0], "start": start[1], "end": end[1]]
    }

    /// The console's field names as the API's.
    static func renamed(_ error: AppError) -> AppError {
        guard error.kind == .validation else { return error }
        let names = [
            "date": "starts_at", "start": "starts_at", "end": "ends_at", "technician_id": "technician", "work_order": "work_order_number",
            "account": "work_order_number",
        ]
        var fields: [String: String] = [:]
        for (field, message) in error.fields { fields[names[field] ?? field] = message }
        return AppError.validation(fields, message: error.message)
    }

    func technicianId(_ technician: String?, in tx: TenantTransaction) async throws -> String {
        guard let technician, !technician.isEmpty else { return "" }
        if let id = UUID(uuidString: technician) { return id.uuidString }
        guard let person = try await repositories.staff.find(email: technician.lowercased(), in: tx) else {
            throw AppError.validation(["technician": "No staff member has the email “\(technician.prefix(254))”. Leave it out to assign nobody yet."])
        }
        return person.id.uuidString
    }

    func appointmentResource(_ appointment: Appointment, in tx: TenantTransaction) async throws -> IntegrationAppointmentResource {
        let organization = try await repositories.organizations.find(id: appointment.organizationId, in: tx)
        let number = try await appointment.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil
        let technician = try await appointment.technicianId.asyncMap { try await repositories.staff.find(id: $0, in: tx)?.email } ?? nil
        return IntegrationAppointmentResource(appointment, organization: organization, workOrderNumber: number, technician: technician)
    }

    public func createAppointment(
        _ body: AppointmentBody, key: APIKeyIdentity, origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> IntegrationAppointmentResource {
        let window = try Self.formWindow(body.startsAt, body.endsAt)
        let (account, technician) = try await pool.withTenant(tenant.id) { tx in
            guard let order = try await repositories.workOrders.find(number: body.workOrderNumber, organization: nil, in: tx),
                let organization = try await repositories.organizations.find(id: order.organizationId, in: tx)
            else {
                throw AppError.validation(["work_order_number": "No work order has the number \(body.workOrderNumber)."])
            }
            return (organization.accountNumber, try await technicianId(body.technician, in: tx))
        }
        var values = window
        values["account"] = account
        values["work_order"] = String(body.workOrderNumber)
        values["kind"] = body.kind
        values["status"] = body.status ?? ""
        values["technician_id"] = technician
        values["address"] = body.address ?? ""
        values["notes"] = body.notes ?? ""
        do {
            let appointment = try await appointments.create(
                .init(form: FormFields(values)), staff: .integration(key), origin: origin, tenant: tenant)
            return try await pool.withTenant(tenant.id) { tx in try await appointmentResource(appointment, in: tx) }
        } catch let error as AppError {
            throw Self.renamed(error)
        }
    }

    public func updateAppointment(
        id: UUID, _ patch: AppointmentPatch, ifMatch: Int?, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> IntegrationAppointmentResource {
        let staff = SignedInStaff.integration(key)
        let service = appointments
        let current = try await pool.withTenant(tenant.id) { tx in try await service.find(id, staff: staff, in: tx) }
        if let ifMatch, ifMatch != current.version {
            throw AppError(
                .preconditionFailed, code: "stale_version",
                "The appointment changed since the version you sent in If-Match. GET it again, then retry.")
        }
        let version = ifMatch ?? current.version
        let moving = patch.startsAt != nil || patch.endsAt != nil
        if moving && patch.status != nil {
            throw AppError.validation(["status": "Change the time or the status, not both in one request."])
        }
        do {
            let updated: Appointment
            if moving {
                guard let startsAt = patch.startsAt, let endsAt = patch.endsAt else {
                    throw AppError.validation([patch.startsAt == nil ? "starts_at" : "ends_at": "Send starts_at and ends_at together."])
                }
                var values = try Self.formWindow(startsAt, endsAt)
                let extra = try await pool.withTenant(tenant.id) { tx in
                    (try await current.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil)
                }
                values["kind"] = current.kind.rawValue
                values["technician_id"] = current.technicianId?.uuidString ?? ""
                values["address"] = current.address
                values["notes"] = current.notes
                values["work_order"] = extra.map(String.init) ?? ""
                updated = try await service.update(
                    id, .init(form: FormFields(values)), version: version, staff: staff, origin: origin, tenant: tenant
                ).appointment
            } else {
                switch patch.status {
                case "cancelled":
                    do {
                        updated = try await service.cancel(
                            id, reason: patch.reason ?? "", version: version, staff: staff, origin: origin, tenant: tenant)
                    }
                case "completed":
                    updated = try await service.complete(id, version: version, staff: staff, origin: origin, tenant: tenant)
                case nil:
                    throw AppError.validation(["status": "Send a status (cancelled or completed), or new starts_at and ends_at."])
                default:
                    throw AppError.validation([
                        "status": "The API can cancel a visit (with a reason) or mark it completed; move it with starts_at and ends_at."
                    ])
                }
            }
            return try await pool.withTenant(tenant.id) { tx in try await appointmentResource(updated, in: tx) }
        } catch let error as AppError {
            if error.kind == .conflict && error.code.contains("conflict") && ifMatch != nil {
                throw AppError(
                    .preconditionFailed, code: "stale_version",
                    "The appointment changed since the version you sent in If-Match. GET it again, then retry.")
            }
            throw Self.renamed(error)
        }
    }
}
