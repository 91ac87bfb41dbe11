import Foundation
import Postgres

/// What the command centre shows: today's counts and the first rows behind each, read in one
/// round trip (with the request's COMMIT when its session lookup opened the transaction).
/// Technicians see only the orders and appointments assigned to them.
struct CommandCentre: Sendable {
    /// Column names are these properties in snake_case (`RowDecoder`).
    struct Counts: Sendable, Decodable {
        var awaitingApproval = 0
        var overdue = 0
        var unassigned = 0
        var dueToday = 0
        var appointmentsToday = 0
        var rescheduleRequests = 0
        var undeliverableEmails = 0
    }

    struct OrderRow: Sendable, Decodable {
        let number: Int
        let title: String
        let organization: String
        let priority: String
        let dueDate: String?
        let assignee: String?
        let since: Date?
        let version: Int
    }

    struct AppointmentRow: Sendable, Decodable {
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
    static func load(assignee: UUID?, today: String, tenant: TenantID, pool: ConnectionPool) async throws -> Snapshot {
        let mine = assignee
        let dayStarts = DisplayDate.current.startOfDay(today)
        let dayEnds = DisplayDate.current.endOfDay(today)
        let active: SQL = "w.status IN ('submitted', 'approved', 'in_progress', 'waiting')"
        let (counts, awaitingApproval, overdue, unassigned, dueToday, appointments) = try await pool.read(
            tenant,
            Query.first(
                """
                SELECT (SELECT count(*) FROM work_orders WHERE status = 'submitted' AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS awaiting_approval,
                       (SELECT count(*) FROM work_orders WHERE due_date < \(today)::date AND status IN ('submitted', 'approved', 'in_progress', 'waiting')
                           AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS overdue,
                       (SELECT count(*) FROM work_orders WHERE assignee_id IS NULL AND status IN ('approved', 'in_progress', 'waiting'))::int AS unassigned,
                       (SELECT count(*) FROM work_orders WHERE due_date = \(today)::date AND status IN ('submitted', 'approved', 'in_progress', 'waiting')
                           AND (\(mine)::uuid IS NULL OR assignee_id = \(mine)))::int AS due_today,
                       (SELECT count(*) FROM appointments WHERE starts_at >= \(dayStarts) AND starts_at < \(dayEnds)
                           AND status <> 'cancelled' AND (\(mine)::uuid IS NULL OR technician_id = \(mine)))::int AS appointments_today,
                       (SELECT count(*) FROM appointments WHERE status = 'reschedule_requested'
                           AND (\(mine)::uuid IS NULL OR technician_id = \(mine)))::int AS reschedule_requests,
                       (SELECT count(*) FROM outbox WHERE status = 'dead')::int AS undeliverable_emails
                """, as: Counts.self),
            orders(where: "w.status = 'submitted'", orderBy: "w.submitted_at NULLS LAST, w.number", since: "w.submitted_at", assignee: mine),
            orders(where: "w.due_date < \(today)::date AND \(active)", orderBy: "w.due_date, w.number", since: "w.submitted_at", assignee: mine),
            // The unassigned list is the whole team's business: a technician's is always empty.
            orders(
                where: "w.assignee_id IS NULL AND w.status IN ('approved', 'in_progress', 'waiting') AND \(mine)::uuid IS NULL",
                orderBy: "w.approved_at NULLS LAST, w.number", since: "w.approved_at", assignee: nil),
            orders(
                where: "w.due_date = \(today)::date AND \(active)", orderBy: "w.priority = 'urgent' DESC, w.number", since: "w.submitted_at",
                assignee: mine),
            Query.rows(
                """
                SELECT a.id, a.organization_id, o.name AS organization, a.starts_at, a.ends_at, a.status, COALESCE(NULLIF(s.name, ''), s.email) AS technician
                FROM appointments a
                JOIN organizations o ON o.id = a.organization_id
                LEFT JOIN staff_users s ON s.id = a.technician_id
                WHERE a.status <> 'cancelled'
                  AND ((a.starts_at >= \(dayStarts) AND a.starts_at < \(dayEnds)) OR a.status = 'reschedule_requested')
                  AND (\(mine)::uuid IS NULL OR a.technician_id = \(mine))
                ORDER BY a.status = 'reschedule_requested' DESC, a.starts_at
                LIMIT \(listLength * 2)
                """, as: AppointmentRow.self))
        return Snapshot(
            counts: counts ?? Counts(), awaitingApproval: awaitingApproval, overdue: overdue, unassigned: unassigned, dueToday: dueToday,
            appointments: appointments)
    }

    /// One list of orders; the fragments are fixed SQL chosen above, their values bound.
    private static func orders(where condition: SQL, orderBy: SQL, since: SQL, assignee: UUID?) -> Query<[OrderRow]> {
        .rows(
            """
            SELECT w.number, w.title, o.name AS organization, w.priority, w.due_date::text AS due_date,
                   COALESCE(NULLIF(s.name, ''), s.email) AS assignee, \(since) AS since, w.version
            FROM work_orders w
            JOIN organizations o ON o.id = w.organization_id
            LEFT JOIN staff_users s ON s.id = w.assignee_id
            WHERE \(condition) AND (\(assignee)::uuid IS NULL OR w.assignee_id = \(assignee))
            ORDER BY \(orderBy)
            LIMIT \(listLength)
            """, as: OrderRow.self)
    }
}
