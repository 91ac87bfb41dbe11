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
    /// The console's calendar: appointments starting in the filter's range, by start time.
    func search(_ filter: AppointmentFilter, limit: Int, in transaction: TenantTransaction) async throws -> [Appointment]
    /// A staff edit; a moved window clears the reminder and any reschedule request.
    func update(_ appointment: UUID, with changes: AppointmentChanges, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment
    func cancel(_ appointment: UUID, reason: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment
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

    public func search(_ filter: AppointmentFilter, limit: Int, in transaction: TenantTransaction) async throws -> [Appointment] {
        var conditions: [SQL] = ["true"]
        if let from = filter.from { conditions.append("starts_at >= \(from)") }
        if let to = filter.to { conditions.append("starts_at < \(to)") }
        if let technician = filter.technicianId { conditions.append("technician_id = \(technician)") }
        if filter.unassigned { conditions.append("technician_id IS NULL") }
        if let status = filter.status { conditions.append("status = \(status)") }
        if let organization = filter.organizationId { conditions.append("organization_id = \(organization)") }
        if let workOrder = filter.workOrderId { conditions.append("work_order_id = \(workOrder)") }
        return try await transaction.rows("""
            SELECT * FROM appointments WHERE \(SQL.join(conditions, separator: " AND ")) ORDER BY starts_at, id LIMIT \(limit)
            """).map { try $0.decode(Appointment.self) }
    }

    public func update(_ appointment: UUID, with changes: AppointmentChanges, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment {
        guard let updated = try await transaction.first("""
            UPDATE appointments
               SET work_order_id = \(changes.workOrderId), kind = \(changes.kind), technician_id = \(changes.technicianId),
                   address = \(changes.address), notes = \(changes.notes), status = \(changes.status),
                   reminder_sent_at = CASE WHEN starts_at = \(changes.window.startsAt) THEN reminder_sent_at END,
                   reschedule_windows = CASE WHEN \(changes.status) = 'reschedule_requested' THEN reschedule_windows ELSE '[]' END,
                   reschedule_note = CASE WHEN \(changes.status) = 'reschedule_requested' THEN reschedule_note ELSE '' END,
                   starts_at = \(changes.window.startsAt), ends_at = \(changes.window.endsAt), version = version + 1
             WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
            """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func cancel(_ appointment: UUID, reason: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment {
        guard let updated = try await transaction.first("""
            UPDATE appointments SET status = 'cancelled', cancel_reason = \(reason), reschedule_windows = '[]', version = version + 1
             WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
            """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    static let conflict = AppError(.conflict, code: "version_conflict", "This appointment was changed by someone else meanwhile. Reload it and try again.")
}
