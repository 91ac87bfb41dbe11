import Foundation
import Postgres

/// The reports a tenant's admins see on `/admin/reports`. Each is one query in one tenant
/// transaction: row-level security keeps it to the tenant, and every query also names
/// `tx.tenant` so it runs on the `(tenant_id, …)` indexes of migration 0036 (measured in the
/// docs/performance.md at a million work orders).
enum TenantReports {
    typealias Build = @Sendable (ReportFilter, TenantTransaction) async throws -> ReportTable

    struct Report: Sendable {
        let id: String
        let build: Build
    }

    static let all: [Report] = [
        Report(id: "work-orders-weekly", build: workOrdersWeekly),
        Report(id: "time-by-category", build: { try await timeTo(.category, $0, $1) }),
        Report(id: "time-by-technician", build: { try await timeTo(.technician, $0, $1) }),
        Report(id: "overdue-weekly", build: overdueWeekly),
        Report(id: "appointments-weekly", build: appointmentsWeekly),
        Report(id: "subscriber-activity-weekly", build: subscriberActivityWeekly),
        Report(id: "integrations-weekly", build: integrationsWeekly),
    ]

    static func named(_ fileName: String) -> Report? { all.first { "\($0.id).csv" == fileName } }

    private static func rows(_ result: [Row]) -> [ReportTable.Row] {
        result.map { row in
            ReportTable.Row(label: row.text(at: 0) ?? "", values: (1..<row.count).map { ReportTable.number(row.text(at: $0)) })
        }
    }

    /// Computed: the header is in the request's language.
    private static var week: ReportTable.Column { ReportTable.Column(key: "week_starting") }

    /// Orders submitted, approved and completed in each week (drafts not yet submitted are
    /// not work orders yet; an order counts in each week one of its moments falls in).
    static func workOrdersWeekly(_ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        func counted(_ column: SQL) -> SQL {
            """
            SELECT \(filter.week(column)) AS week, count(*) AS n FROM work_orders
             WHERE tenant_id = \(tx.tenant) AND \(filter.within(column)) AND \(filter.categoryMatches("category"))
             GROUP BY 1
            """
        }
        let result = try await tx.rows(
            """
            WITH weeks AS (\(filter.weeks))
            SELECT to_char(weeks.week, 'YYYY-MM-DD'), coalesce(o.n, 0), coalesce(a.n, 0), coalesce(c.n, 0)
              FROM weeks
              LEFT JOIN (\(counted("submitted_at"))) o USING (week)
              LEFT JOIN (\(counted("approved_at"))) a USING (week)
              LEFT JOIN (\(counted("completed_at"))) c USING (week)
             ORDER BY weeks.week
            """)
        return ReportTable(
            id: "work-orders-weekly", title: L10n.t("reports.workOrdersWeekly.title"),
            summary: L10n.t("reports.workOrdersWeekly.summary"),
            label: week,
            columns: [
                .init(key: "opened"), .init(key: "approved"),
                .init(key: "completed"),
            ],
            unit: L10n.t("reports.unit.workOrders"), rows: rows(result))
    }

    enum Grouping { case category, technician }

    /// Hours from submission to approval (orders approved in the range) and to completion
    /// (orders completed in the range): median and 90th percentile, per category or per
    /// assigned technician. An approval recorded before the submission (staff entering an
    /// order that was already agreed) counts as zero hours.
    static func timeTo(_ grouping: Grouping, _ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        let approved: SQL = "w.approved_at >= \(filter.start) AND w.approved_at < \(filter.end)"
        let completed: SQL = "w.completed_at >= \(filter.start) AND w.completed_at < \(filter.end)"
        let toApproval: SQL = "greatest(0, extract(epoch FROM w.approved_at - w.submitted_at) / 3600)"
        let toCompletion: SQL = "greatest(0, extract(epoch FROM w.completed_at - w.submitted_at) / 3600)"
        let label: SQL =
            grouping == .category
            ? "CASE WHEN w.category = '' THEN '(no category)' ELSE w.category END"
            : "coalesce(s.name || ' (' || s.email || ')', '(unassigned)')"
        let result = try await tx.rows(
            """
            SELECT \(label) AS label,
                   count(*) FILTER (WHERE \(approved)),
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY \(toApproval)) FILTER (WHERE \(approved)))::numeric, 1),
                   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY \(toApproval)) FILTER (WHERE \(approved)))::numeric, 1),
                   count(*) FILTER (WHERE \(completed)),
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY \(toCompletion)) FILTER (WHERE \(completed)))::numeric, 1),
                   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY \(toCompletion)) FILTER (WHERE \(completed)))::numeric, 1)
              FROM work_orders w
              LEFT JOIN staff_users s ON s.tenant_id = w.tenant_id AND s.id = w.assignee_id
             WHERE w.tenant_id = \(tx.tenant) AND w.submitted_at IS NOT NULL AND \(filter.categoryMatches("w.category"))
               AND ((\(approved)) OR (\(completed)))
             GROUP BY 1 ORDER BY 1
            """)
        let byCategory = grouping == .category
        return ReportTable(
            id: byCategory ? "time-by-category" : "time-by-technician",
            title: L10n.t(byCategory ? "reports.timeByCategory.title" : "reports.timeByTechnician.title"),
            summary: L10n.t(byCategory ? "reports.timeByCategory.summary" : "reports.timeByTechnician.summary"),
            label: byCategory ? .init(key: "category") : .init(key: "technician"),
            columns: [
                .init(key: "approved", charted: false),
                .init(key: "approval_median_hours"),
                .init(key: "approval_p90_hours"),
                .init(key: "completed", charted: false),
                .init(key: "completion_median_hours"),
                .init(key: "completion_p90_hours"),
            ],
            unit: L10n.t("reports.unit.hours"),
            rows: rows(result).map { row in
                // The query's placeholders for orders without a category or an assignee, in the reader's language.
                switch row.label {
                case "(no category)": ReportTable.Row(label: L10n.t("reports.noCategory"), values: row.values)
                case "(unassigned)": ReportTable.Row(label: L10n.t("reports.unassigned"), values: row.values)
                default: row
                }
            })
    }

    /// At the end of each week (or now, for the current week): how many submitted orders were
    /// past their due date and not closed. Uses `closed_at` (migration 0036), so an order
    /// completed since still counts as overdue in the weeks it was.
    ///
    /// One pass over the tenant's dated orders (an index-only scan), not one per week: an
    /// order is overdue at the end of every week from the later of its due date's week and
    /// its submission's week up to (not including) the week it closed, so the weekly counts
    /// are a running sum of "became overdue" minus "closed" per week. Orders due today or
    /// later are not overdue now, nor at the end of any earlier week.
    static func overdueWeekly(_ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        let result = try await tx.rows(
            """
            WITH weeks AS (\(filter.weeks)),
            bounds AS (SELECT min(week) AS first, max(week) AS last FROM weeks),
            spans AS (
                SELECT greatest(date_trunc('week', w.due_date::timestamp), \(filter.week("w.submitted_at"))) AS starts,
                       \(filter.week("w.closed_at")) AS ends
                  FROM work_orders w, bounds r
                 WHERE w.tenant_id = \(tx.tenant) AND w.due_date IS NOT NULL AND w.submitted_at IS NOT NULL
                   AND w.due_date < (now() AT TIME ZONE \(filter.zone))::date AND w.due_date < (r.last + interval '7 days')::date
                   AND (w.closed_at IS NULL OR w.closed_at >= (r.first + interval '7 days') AT TIME ZONE \(filter.zone))
                   AND \(filter.categoryMatches("w.category"))
            ),
            changes AS (
                SELECT greatest(s.starts, r.first) AS week, count(*) AS d FROM spans s, bounds r
                 WHERE s.ends IS NULL OR s.ends > s.starts GROUP BY 1
                UNION ALL
                SELECT greatest(s.ends, r.first), -count(*) FROM spans s, bounds r WHERE s.ends > s.starts GROUP BY 1
            ),
            net AS (SELECT week, sum(d) AS d FROM changes GROUP BY week)
            SELECT to_char(weeks.week, 'YYYY-MM-DD'), sum(coalesce(n.d, 0)) OVER (ORDER BY weeks.week)
              FROM weeks LEFT JOIN net n USING (week)
             ORDER BY weeks.week
            """)
        return ReportTable(
            id: "overdue-weekly", title: L10n.t("reports.overdueWeekly.title"),
            summary: L10n.t("reports.overdueWeekly.summary"),
            label: week, columns: [.init(key: "overdue")], unit: L10n.t("reports.unit.workOrders"), rows: rows(result))
    }

    /// Appointments by the week they are (or were) for: how many, how many the subscriber
    /// confirmed, how many they asked to move, and that as a share.
    static func appointmentsWeekly(_ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        let result = try await tx.rows(
            """
            WITH weeks AS (\(filter.weeks)),
            counted AS (
                SELECT \(filter.week("a.starts_at")) AS week, count(*) AS total,
                       count(*) FILTER (WHERE a.confirmed_at IS NOT NULL) AS confirmed,
                       count(*) FILTER (WHERE a.reschedule_requests > 0) AS rescheduled,
                       count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled
                  FROM appointments a
                  LEFT JOIN work_orders w ON w.tenant_id = a.tenant_id AND w.id = a.work_order_id
                 WHERE a.tenant_id = \(tx.tenant) AND \(filter.within("a.starts_at"))
                   AND (\(filter.category)::text IS NULL OR w.category = \(filter.category))
                 GROUP BY 1
            )
            SELECT to_char(weeks.week, 'YYYY-MM-DD'), coalesce(c.total, 0), coalesce(c.confirmed, 0), coalesce(c.rescheduled, 0),
                   coalesce(c.cancelled, 0), round(100.0 * c.rescheduled / nullif(c.total, 0), 1)
              FROM weeks LEFT JOIN counted c USING (week)
             ORDER BY weeks.week
            """)
        return ReportTable(
            id: "appointments-weekly", title: L10n.t("reports.appointmentsWeekly.title"),
            summary: L10n.t("reports.appointmentsWeekly.summary"),
            label: week,
            columns: [
                .init(key: "appointments"), .init(key: "confirmed"),
                .init(key: "reschedule_requested"),
                .init(key: "cancelled", charted: false),
                .init(key: "reschedule_rate_percent", charted: false),
            ],
            unit: L10n.t("reports.unit.appointments"), rows: rows(result))
    }

    /// Subscribers' sign-ins (all channels), how many different subscribers signed in, new
    /// self-registrations (from the audit log), and emails that could not be delivered (the
    /// outbox's refused and given-up messages). Not filtered by category.
    static func subscriberActivityWeekly(_ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        func audited(_ action: String) -> SQL {
            """
            SELECT \(filter.week("occurred_at")) AS week, count(*) AS n, count(DISTINCT actor_id) AS people FROM audit_events
             WHERE tenant_id = \(tx.tenant) AND action = \(action) AND actor_kind = 'customer' AND \(filter.within("occurred_at"))
             GROUP BY 1
            """
        }
        let result = try await tx.rows(
            """
            WITH weeks AS (\(filter.weeks))
            SELECT to_char(weeks.week, 'YYYY-MM-DD'), coalesce(s.n, 0), coalesce(s.people, 0), coalesce(r.n, 0), coalesce(b.n, 0)
              FROM weeks
              LEFT JOIN (\(audited("signin.success"))) s USING (week)
              LEFT JOIN (\(audited("register"))) r USING (week)
              LEFT JOIN (SELECT \(filter.week("created_at")) AS week, count(*) AS n FROM outbox
                          WHERE tenant_id = \(tx.tenant) AND status IN ('failed', 'dead') AND \(filter.within("created_at"))
                          GROUP BY 1) b USING (week)
             ORDER BY weeks.week
            """)
        return ReportTable(
            id: "subscriber-activity-weekly", title: L10n.t("reports.subscriberActivityWeekly.title"),
            summary: L10n.t("reports.subscriberActivityWeekly.summary"),
            label: week,
            columns: [
                .init(key: "sign_ins"), .init(key: "active_logins"),
                .init(key: "self_registrations"),
                .init(key: "emails_not_delivered"),
            ],
            unit: L10n.t("reports.unit.perWeek"), rows: rows(result))
    }

    /// API requests (both APIs, counted per instance and flushed each minute), the subscriber
    /// app's sign-ins (API tokens issued against a password) and webhook deliveries: delivered,
    /// and given up on. Not filtered by category.
    static func integrationsWeekly(_ filter: ReportFilter, _ tx: TenantTransaction) async throws -> ReportTable {
        let result = try await tx.rows(
            """
            WITH weeks AS (\(filter.weeks))
            SELECT to_char(weeks.week, 'YYYY-MM-DD'), coalesce(r.n, 0), coalesce(s.n, 0), coalesce(d.n, 0), coalesce(f.n, 0)
              FROM weeks
              LEFT JOIN (SELECT date_trunc('week', day::timestamp) AS week, sum(requests) AS n FROM api_usage_daily
                          WHERE tenant_id = \(tx.tenant) AND \(filter.within("day::timestamp AT TIME ZONE 'UTC'"))
                          GROUP BY 1) r USING (week)
              LEFT JOIN (SELECT \(filter.week("occurred_at")) AS week, count(*) AS n FROM audit_events
                          WHERE tenant_id = \(tx.tenant) AND action = 'signin.success' AND details->>'channel' = 'api'
                            AND \(filter.within("occurred_at"))
                          GROUP BY 1) s USING (week)
              LEFT JOIN (SELECT \(filter.week("delivered_at")) AS week, count(*) AS n FROM webhook_deliveries
                          WHERE tenant_id = \(tx.tenant) AND status = 'delivered' AND \(filter.within("delivered_at"))
                          GROUP BY 1) d USING (week)
              LEFT JOIN (SELECT \(filter.week("created_at")) AS week, count(*) AS n FROM webhook_deliveries
                          WHERE tenant_id = \(tx.tenant) AND status = 'dead' AND \(filter.within("created_at"))
                          GROUP BY 1) f USING (week)
             ORDER BY weeks.week
            """)
        return ReportTable(
            id: "integrations-weekly", title: L10n.t("reports.integrationsWeekly.title"),
            summary: L10n.t("reports.integrationsWeekly.summary"),
            label: week,
            columns: [
                .init(key: "api_requests"),
                .init(key: "api_sign_ins"),
                .init(key: "webhooks_delivered"),
                .init(key: "webhooks_failed"),
            ],
            unit: L10n.t("reports.unit.perWeek"), rows: rows(result))
    }
}
