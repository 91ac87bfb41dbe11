import Foundation
import Postgres

public protocol AppointmentRepository: Sendable {
    func create(_ new: NewAppointment, in transaction: TenantTransaction) async throws -> Appointment
    /// An appointment, optionally only if it belongs to `organization`.
    func find(id: UUID, organization: UUID?, in transaction: TenantTransaction) async throws -> Appointment?
    func list(organization: UUID?, from: Date?, to: Date?, in transaction: TenantTransaction) async throws -> [Appointment]
    func setStatus(_ status: AppointmentStatus, of appointment: UUID, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment
    func requestReschedule(_ appointment: UUID, windows: [TimeWindow], note: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment
    func reschedule(_ appointment: UUID, to window: TimeWindow, technician: UUID?, status: AppointmentStatus, expectedVersion: Int,
                    in transaction: TenantTransaction) async throws -> Appointment
}

public struct PostgresAppointmentRepository: AppointmentRepository {
    public init() {}

    public func create(_ new: NewAppointment, in transaction: TenantTransaction) async throws -> Appointment {
        try await transaction.first("""
            INSERT INTO appointments (tenant_id, organization_id, work_order_id, kind, starts_at, ends_at, technician_id, status, address, notes)
            VALUES (\(transaction.tenant), \(new.organizationId), \(new.workOrderId), \(new.kind), \(new.startsAt), \(new.endsAt),
                    \(new.technicianId), \(new.status), \(new.address), \(new.notes))
            RETURNING *
            """)!.decode(Appointment.self)
    }

    public func find(id: UUID, organization: UUID?, in transaction: TenantTransaction) async throws -> Appointment? {
        let scope: SQL = organization.map { "AND organization_id = \($0)" } ?? ""
        return try await transaction.first("SELECT * FROM appointments WHERE id = \(id) \(scope)")?.decode(Appointment.self)
    }

    public func list(organization: UUID?, from: Date?, to: Date?, in transaction: TenantTransaction) async throws -> [Appointment] {
        var conditions: [SQL] = ["true"]
        if let organization { conditions.append("organization_id = \(organization)") }
        if let from { conditions.append("ends_at >= \(from)") }
        if let to { conditions.append("starts_at < \(to)") }
        return try await transaction.rows("""
            SELECT * FROM appointments WHERE \(SQL.join(conditions, separator: " AND ")) ORDER BY starts_at, id
            """).map { try $0.decode(Appointment.self) }
    }

    public func setStatus(_ status: AppointmentStatus, of appointment: UUID, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment {
        guard let updated = try await transaction.first("""
            UPDATE appointments SET status = \(status), version = version + 1
             WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
            """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func requestReschedule(_ appointment: UUID, windows: [TimeWindow], note: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment {
        guard let updated = try await transaction.first("""
            UPDATE appointments SET status = 'reschedule_requested', reschedule_windows = \(JSONParameter(windows))::jsonb,
                   reschedule_note = \(note), version = version + 1
             WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
            """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func reschedule(_ appointment: UUID, to window: TimeWindow, technician: UUID?, status: AppointmentStatus, expectedVersion: Int,
                           in transaction: TenantTransaction) async throws -> Appointment {
        guard let updated = try await transaction.first("""
            UPDATE appointments SET starts_at = \(window.startsAt), ends_at = \(window.endsAt), technician_id = \(technician),
                   status = \(status), reschedule_windows = '[]', reschedule_note = '', reminder_sent_at = NULL, version = version + 1
             WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
            """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    static let conflict = AppError(.conflict, code: "version_conflict", "This appointment was changed by someone else meanwhile. Reload it and try again.")
}
