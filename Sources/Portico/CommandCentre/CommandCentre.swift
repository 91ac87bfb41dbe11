import Foundation
import Postgres

/// What the command centre shows: today's counts and the first rows behind each, read in one
/// tenant transaction. Technicians see only the orders and appointments assigned to them.
struct CommandCentre: Sendable {
    struct Counts: Sendable {
        var awaitingApproval = 0
        var overdue = 0
        var unassigned = 0
        var dueToday = 0
        var appointmentsToday = 0
        var rescheduleRequests = 0
        var undeliverableEmails = 0
    }

    struct OrderRow: Sendable {
        let number: Int
        let title: String
        let organization: String
        let priority: String
        let dueDate: String?
        let assignee: String?
        let since: Date?
        let version: Int
    }

    struct AppointmentRow: Sendable {
        let id: UUID
        let organization: String
        let organizationId: UUID
        let startsAt: Date
        let endsAt: Date
        let status: String
        let technician: String?
    }

    struct Snapshot: Sendable {
        var counts = Counts()
        var awaitingApproval: [OrderRow] = []
        var overdue: [OrderRow] = []
        var unassigned: [OrderRow] = []
        var dueToday: [OrderRow] = []
        var appointments: [AppointmentRow] = []
    }

    /// Rows per list: enough to act on at a glance; the counts link to the full queues.
    static let listLength = 8

    /// `assignee` limits every order and appointment to one technician; nil shows the tenant.
    static func load(assignee: UUID?, today: String, in tx: TenantTransaction) async throws -> Snapshot {
        let mine = assignee
        var snapshot = Snapshot()
        let counts = try await tx.first(
            """
            SELECT (SELECT count(*) FROM work_orders WHERE status = 'submitted' AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS awaiting,
                   (SELECT count(*) FROM work_orders WHERE due_date < \(today)::date AND status IN ('submitted', 'approved', 'in_progress', 'waiting')
                       AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS overdue,
                   (SELECT count(*) FROM work_orders WHERE assignee_id IS NULL AND status IN ('approved', 'in_progress', 'waiting'))::int AS unassigned,
                   (SELECT count(*) FROM work_orders WHERE due_date = \(today)::date AND status IN ('submitted', 'approved', 'in_progress', 'waiting')
                       AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS due_today,
                   (SELECT count(*) FROM appointments WHERE starts_at >= \(DisplayDate.current.startOfDay(today)) AND starts_at < \(DisplayDate.current.endOfDay(today))
                       AND status <> 'cancelled' AND (\(mine)::uuid IS NULL OR technician_id = \(mine)))::int AS today,
                   (SELECT count(*) FROM appointments WHERE status = 'reschedule_requested'
                       AND (\(mine)::uuid IS NULL OR technician_id = \(mine)))::int AS reschedules,
                   (SELECT count(*) FROM outbox WHERE status = 'dead')::int AS dead_mail
            """)!
        snapshot.counts = Counts(
            awaitingApproval: try counts.decode("awaiting"), overdue: try counts.decode("overdue"),
            unassigned: try counts.decode("unassigned"), dueToday: try counts.decode("due_today"),
            appointmentsToday: try counts.decode("today"), rescheduleRequests: try counts.decode("reschedules"),
            undeliverableEmails: try counts.decode("dead_mail"))

        let active: SQL = "w.status IN ('submitted', 'approved', 'in_progress', 'waiting')"
        snapshot.awaitingApproval = try await orders(
            where: "w.status = 'submitted'", orderBy: "w.submitted_at NULLS LAST, w.number", since: "w.submitted_at", assignee: mine, in: tx)
        snapshot.overdue = try await orders(
            where: "w.due_date < \(today)::date AND \(active)", orderBy: "w.due_date, w.number", since: "w.submitted_at", assignee: mine, in: tx)
        snapshot.unassigned =
            assignee == nil
            ? try await orders(
                where: "w.assignee_id IS NULL AND w.status IN ('approved', 'in_progress', 'waiting')",
                orderBy: "w.approved_at NULLS LAST, w.number", since: "w.approved_at", assignee: nil, in: tx) : []
        snapshot.dueToday = try await orders(
            where: "w.due_date = \(today)::date AND \(active)", orderBy: "w.priority = 'urgent' DESC, w.number",
            since: "w.submitted_at", assignee: mine, in: tx)

        let appointmentRows = try await tx.rows(
            """
            SELECT a.id, a.organization_id, o.name AS organization, a.starts_at, a.ends_at, a.status, COALESCE(NULLIF(s.name, ''), s.email) AS technician
            FROM appointments a
            JOIN organizations o ON o.id = a.organization_id
            LEFT JOIN staff_users s ON s.id = a.technician_id
            WHERE a.status <> 'cancelled'
              AND ((a.starts_at >= \(DisplayDate.current.startOfDay(today)) AND a.starts_at < \(DisplayDate.current.endOfDay(today))) OR a.status = 'reschedule_requested')
              AND (\(mine)::uuid IS NULL OR a.technician_id = \(mine))
            ORDER BY a.status = 'reschedule_requested' DESC, a.starts_at
            LIMIT \(listLength * 2)
            """)
        snapshot.appointments = try appointmentRows.map {
            AppointmentRow(
                id: try $0.decode("id"), organization: try $0.decode("organization"), organizationId: try $0.decode("organization_id"),
                startsAt: try $0.decode("starts_at"), endsAt: try $0.decode("ends_at"), status: try $0.decode("status"),
                technician: try $0.decode("technician", as: String?.self))
        }
        return snapshot
    }

    /// One list of orders; the fragments are fixed SQL chosen above, their values bound.
    private static func orders(where condition: SQL, orderBy: SQL, since: SQL, assignee: UUID?, in tx: TenantTransaction) async throws -> [OrderRow] {
        let rows = try await tx.rows(
            """
            SELECT w.number, w.title, o.name AS organization, w.priority, w.due_date::text AS due_date,
                   COALESCE(NULLIF(s.name, ''), s.email) AS assignee, \(since) AS since, w.version
            FROM work_orders w
            JOIN organizations o ON o.id = w.organization_id
            LEFT JOIN staff_users s ON s.id = w.assignee_id
            WHERE \(condition) AND (\(assignee)::uuid IS NULL OR w.assignee_id = \(assignee))
            ORDER BY \(orderBy)
            LIMIT \(listLength)
            """)
        return try rows.map {
            OrderRow(
                number: try $0.decode("number"), title: try $0.decode("title"), organization: try $0.decode("organization"),
                priority: try $0.decode("priority"), dueDate: try $0.decode("due_date", as: String?.self),
                assignee: try $0.decode("assignee", as: String?.self), since: try $0.decode("since", as: Date?.self),
                version: try $0.decode("version"))
        }
    }
}
