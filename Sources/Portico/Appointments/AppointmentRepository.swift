import Foundation
import Postgres

public protocol AppointmentRepository: Sendable {
    func create(_ new: NewAppointment, in transaction: TenantTransaction) async throws -> Appointment
    /// An appointment, optionally only if it belongs to `organization`.
    func find(id: UUID, organization: UUID?, in transaction: TenantTransaction) async throws -> Appointment?
    func list(organization: UUID?, from: Date?, to: Date?, in transaction: TenantTransaction) async throws -> [Appointment]
    /// An organization's next appointment (not ended, neither completed nor cancelled) with its
    /// technician's name and its work order's number, in one statement (the dashboard).
    func next(organization: UUID, in transaction: TenantTransaction) async throws -> UpcomingAppointment?
    func nextQuery(organization: UUID) -> Query<UpcomingAppointment?>
    func setStatus(
        _ status: AppointmentStatus, of appointment: UUID, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment
    func requestReschedule(
        _ appointment: UUID, windows: [TimeWindow], note: String, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment
    func reschedule(
        _ appointment: UUID, to window: TimeWindow, technician: UUID?, status: AppointmentStatus, expectedVersion: Int,
        in transaction: TenantTransaction
    ) async throws -> Appointment
    /// The console's calendar: appointments starting in the filter's range, by start time.
    func search(_ filter: AppointmentFilter, limit: Int, in transaction: TenantTransaction) async throws -> [Appointment]
    func searchQuery(_ filter: AppointmentFilter, limit: Int) -> Query<[Appointment]>
    /// A staff edit; a moved window clears the reminder and any reschedule request.
    func update(
        _ appointment: UUID, with changes: AppointmentChanges, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment
    func cancel(_ appointment: UUID, reason: String, expectedVersion: Int, in transaction: TenantTransaction) async throws -> Appointment
    /// An organization's appointments as the subscriber sees them, a page at a time: upcoming
    /// ones (not ended, neither completed nor cancelled) soonest first, then the others latest
    /// first. Throws `InvalidPageKey` for an `after` that no page returned.
    func page(organization: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction) async throws -> KeysetPage<Appointment>
}

/// An appointment with what a page shows beside it.
public struct UpcomingAppointment: Sendable {
    public let appointment: Appointment
    public let technician: String?
    public let workOrderNumber: Int?
}

public struct PostgresAppointmentRepository: AppointmentRepository {
    public init() {}

    public func create(_ new: NewAppointment, in transaction: TenantTransaction) async throws -> Appointment {
        try await transaction.first(
            """
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
        return try await transaction.rows(
            """
            SELECT * FROM appointments WHERE \(SQL.join(conditions, separator: " AND ")) ORDER BY starts_at, id
            """
        ).map { try $0.decode(Appointment.self) }
    }

    public func next(organization: UUID, in transaction: TenantTransaction) async throws -> UpcomingAppointment? {
        try await transaction.run(nextQuery(organization: organization))
    }

    public func nextQuery(organization: UUID) -> Query<UpcomingAppointment?> {
        Query(
            """
            SELECT a.*, COALESCE(NULLIF(st.name, ''), st.email) AS technician_name, wo.number AS work_order_number
              FROM appointments a
              LEFT JOIN staff_users st ON st.tenant_id = a.tenant_id AND st.id = a.technician_id
              LEFT JOIN work_orders wo ON wo.tenant_id = a.tenant_id AND wo.id = a.work_order_id
             WHERE a.organization_id = \(organization) AND a.ends_at >= now()
               AND a.status NOT IN ('completed', 'cancelled')
             ORDER BY a.starts_at, a.id
             LIMIT 1
            """
        ) { result in
            guard let row = result.rows.first else { return nil }
            return UpcomingAppointment(
                appointment: try row.decode(Appointment.self), technician: try row.decode("technician_name", as: String?.self),
                workOrderNumber: try row.decode("work_order_number", as: Int?.self))
        }
    }

    public func setStatus(
        _ status: AppointmentStatus, of appointment: UUID, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment {
        guard
            let updated = try await transaction.first(
                """
                UPDATE appointments SET status = \(status), version = version + 1
                 WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
                """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func requestReschedule(
        _ appointment: UUID, windows: [TimeWindow], note: String, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment {
        guard
            let updated = try await transaction.first(
                """
                UPDATE appointments SET status = 'reschedule_requested', reschedule_windows = \(JSONParameter(windows))::jsonb,
                       reschedule_note = \(note), version = version + 1
                 WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
                """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func reschedule(
        _ appointment: UUID, to window: TimeWindow, technician: UUID?, status: AppointmentStatus, expectedVersion: Int,
        in transaction: TenantTransaction
    ) async throws -> Appointment {
        guard
            let updated = try await transaction.first(
                """
                UPDATE appointments SET starts_at = \(window.startsAt), ends_at = \(window.endsAt), technician_id = \(technician),
                       status = \(status), reschedule_windows = '[]', reschedule_note = '', reminder_sent_at = NULL, version = version + 1
                 WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
                """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    public func search(_ filter: AppointmentFilter, limit: Int, in transaction: TenantTransaction) async throws -> [Appointment] {
        try await transaction.run(searchQuery(filter, limit: limit))
    }

    public func searchQuery(_ filter: AppointmentFilter, limit: Int) -> Query<[Appointment]> {
        var conditions: [SQL] = ["true"]
        if let from = filter.from { conditions.append("starts_at >= \(from)") }
        if let to = filter.to { conditions.append("starts_at < \(to)") }
        if let technician = filter.technicianId { conditions.append("technician_id = \(technician)") }
        if filter.unassigned { conditions.append("technician_id IS NULL") }
        if let status = filter.status { conditions.append("status = \(status)") }
        if let organization = filter.organizationId { conditions.append("organization_id = \(organization)") }
        if let workOrder = filter.workOrderId { conditions.append("work_order_id = \(workOrder)") }
        return .rows(
            """
            SELECT * FROM appointments WHERE \(SQL.join(conditions, separator: " AND ")) ORDER BY starts_at, id LIMIT \(limit)
            """, as: Appointment.self)
    }

    public func update(
        _ appointment: UUID, with changes: AppointmentChanges, expectedVersion: Int, in transaction: TenantTransaction
    ) async throws -> Appointment {
        guard
            let updated = try await transaction.first(
                """
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
        guard
            let updated = try await transaction.first(
                """
                UPDATE appointments SET status = 'cancelled', cancel_reason = \(reason), reschedule_windows = '[]', version = version + 1
                 WHERE id = \(appointment) AND version = \(expectedVersion) RETURNING *
                """)?.decode(Appointment.self)
        else { throw Self.conflict }
        return updated
    }

    struct Ranked: Decodable {
        let pageRank: Int
        let pageKey: Int64
    }

    public func page(organization: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction) async throws -> KeysetPage<Appointment> {
        var position: SQL = "true"
        if let after {
            guard after.count == 3 else { throw InvalidPageKey() }
            let (rank, key, id) = (try InvalidPageKey.int(after[0]), try InvalidPageKey.int(after[1]), try InvalidPageKey.uuid(after[2]))
            position = "(page_rank, page_key, id) > (\(Int(rank)), \(key), \(id))"
        }
        let rows = try await transaction.rows(
            """
            SELECT * FROM (
                SELECT ranked.*, CASE WHEN page_rank = 0 THEN page_micros ELSE -page_micros END AS page_key FROM (
                    SELECT appointments.*,
                           CASE WHEN ends_at > now() AND status NOT IN ('completed', 'cancelled') THEN 0 ELSE 1 END AS page_rank,
                           (extract(epoch FROM starts_at) * 1000000)::bigint AS page_micros
                      FROM appointments WHERE organization_id = \(organization)) ranked) keyed
             WHERE \(position)
             ORDER BY page_rank, page_key, id LIMIT \(limit + 1)
            """
        ).map { (try $0.decode(Appointment.self), try $0.decode(Ranked.self)) }
        return KeysetPage.from(
            rows, limit: limit, item: { $0.0 },
            key: { [String($0.1.pageRank), String($0.1.pageKey), $0.0.id.uuidString] })
    }

    static var conflict: AppError {
        AppError(.conflict, code: "version_conflict", L10n.t("validation.appointment.conflict"))
    }
}
