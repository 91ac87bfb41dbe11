import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// `/admin/reports`: the numbers against a small history computed by hand, the CSV of each
/// report, the filters (good and bad), who may see them, and that another tenant's history
/// never counts.
@Suite("Admin: reports")
struct ReportsTests {
    /// Two weeks, from the Monday three weeks before this one (`base`; the table writes it as
    /// 2026-03-02, and every date as if it were) to the Sunday after next, of a tenant with two
    /// categories and one technician:
    ///
    /// | #    | category | submitted     | approved     | completed    | other |
    /// |------|----------|---------------|--------------|--------------|-------|
    /// | 1001 | Repair   | 03-02 10:00   | 03-02 12:00 (2 h)  | 03-04 10:00 (48 h)  | Terry's |
    /// | 1002 | Repair   | 03-03 08:00   | 03-03 12:00 (4 h)  | 03-10 08:00 (168 h) | Terry's |
    /// | 1003 | Install  | 03-09 09:00   | 03-10 09:00 (24 h) | –                   | unassigned |
    /// | 1004 | Install  | 03-10 00:00   | –            | –            | due 03-12, open |
    /// | 1005 | Repair   | 02-20 00:00   | 03-11 00:00 (456 h) | –                  | unassigned |
    /// | 1006 | Install  | 03-02 09:00   | –            | –            | due 03-05, cancelled 03-11 |
    /// | 1007 | Repair   | draft         |              |              | never submitted |
    ///
    /// Appointments: week 1 one confirmed, one asked to move, one asked to move then
    /// confirmed; week 2 one cancelled. Subscribers: week 1 three web sign-ins by two people;
    /// week 2 one app sign-in and one self-registration (and, in the last two weeks, one
    /// given-up email, one refused and one sent). Webhooks: week 1 two delivered, week 2 one
    /// given up.
    struct History {
        let tenant: TestTenant
        let admin: StaffUser
        let technician: StaffUser
    }

    /// The Monday three weeks before this week's (UTC): the fixture's first day, written
    /// 2026-03-02 in the table above. Recent, so no maintenance or retention job removes the
    /// fixture's rows while a long test run goes on (delivered webhooks: 30 days by default).
    static let base: Date = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateInterval(of: .weekOfYear, for: Date())!.start.addingTimeInterval(-21 * 86_400)
    }()
    /// The day `offset` days after `base`, as `YYYY-MM-DD`.
    static func d(_ offset: Int) -> String { ReportFilter.day(base.addingTimeInterval(Double(offset) * 86_400)) }
    static let range = "from=\(Self.d(0))&to=\(Self.d(13))"

    static func history(categories: [String] = ["Repair", "Install"]) async throws -> History {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let (organization, customer) = try await tenant.subscriber(name: "Robin Reports")
        let (_, other) = try await tenant.subscriber(name: "Kim Reports")
        try await tenant.transaction { tx in
            for (position, name) in categories.enumerated() {
                try await tx.execute("INSERT INTO work_order_categories (tenant_id, name, position) VALUES (\(tx.tenant), \(name), \(position))")
            }
            func order(
                _ number: Int, _ category: String, status: String, submitted: String?, approved: String? = nil, completed: String? = nil,
                due: String? = nil, closed: String? = nil, assignee: UUID? = nil
            ) async throws {
                try await tx.execute(
                    """
                    INSERT INTO work_orders (tenant_id, number, organization_id, title, category, status, submitted_at, approved_at, completed_at,
                                             due_date, closed_at, assignee_id, created_by_staff_id)
                    VALUES (\(tx.tenant), \(number), \(organization.id), \("Order \(number)"), \(category), \(status),
                            \(submitted)::timestamptz, \(approved)::timestamptz, \(completed)::timestamptz, \(due)::date, \(closed)::timestamptz,
                            \(assignee), \(admin.id))
                    """)
            }
            try await order(
                1001, "Repair", status: "completed", submitted: "\(Self.d(0)) 10:00Z", approved: "\(Self.d(0)) 12:00Z",
                completed: "\(Self.d(2)) 10:00Z", closed: "\(Self.d(2)) 10:00Z", assignee: technician.id)
            try await order(
                1002, "Repair", status: "completed", submitted: "\(Self.d(1)) 08:00Z", approved: "\(Self.d(1)) 12:00Z",
                completed: "\(Self.d(8)) 08:00Z", closed: "\(Self.d(8)) 08:00Z", assignee: technician.id)
            try await order(1003, "Install", status: "approved", submitted: "\(Self.d(7)) 09:00Z", approved: "\(Self.d(8)) 09:00Z")
            try await order(1004, "Install", status: "submitted", submitted: "\(Self.d(8)) 00:00Z", due: "\(Self.d(10))")
            try await order(1005, "Repair", status: "approved", submitted: "\(Self.d(-10)) 00:00Z", approved: "\(Self.d(9)) 00:00Z")
            try await order(
                1006, "Install", status: "cancelled", submitted: "\(Self.d(0)) 09:00Z", due: "\(Self.d(3))", closed: "\(Self.d(9)) 09:00Z")
            try await order(1007, "Repair", status: "draft", submitted: nil)

            func appointment(_ starts: String, _ statuses: [String]) async throws {
                let id = try #require(
                    try await tx.first(
                        """
                        INSERT INTO appointments (tenant_id, organization_id, starts_at, ends_at, status)
                        VALUES (\(tx.tenant), \(organization.id), \(starts)::timestamptz, \(starts)::timestamptz + interval '1 hour', 'proposed') RETURNING id
                        """)?.decode("id", as: UUID.self))
                for status in statuses {
                    try await tx.execute("UPDATE appointments SET status = \(status) WHERE tenant_id = \(tx.tenant) AND id = \(id)")
                }
            }
            try await appointment("\(Self.d(1)) 09:00Z", ["confirmed"])
            try await appointment("\(Self.d(2)) 09:00Z", ["reschedule_requested"])
            try await appointment("\(Self.d(3)) 09:00Z", ["reschedule_requested", "confirmed"])
            try await appointment("\(Self.d(10)) 09:00Z", ["cancelled"])

            func audit(_ action: String, _ who: UUID, _ at: String, api: Bool = false) async throws {
                try await tx.execute(
                    """
                    INSERT INTO audit_events (tenant_id, occurred_at, actor_kind, actor_id, action, details)
                    VALUES (\(tx.tenant), \(at)::timestamptz, 'customer', \(who), \(action), \(api ? "{\"channel\":\"api\"}" : "{}")::jsonb)
                    """)
            }
            try await audit("signin.success", customer.id, "\(Self.d(0)) 08:00Z")
            try await audit("signin.success", customer.id, "\(Self.d(4)) 08:00Z")
            try await audit("signin.success", other.id, "\(Self.d(6)) 23:59Z")
            try await audit("signin.failure", other.id, "\(Self.d(6)) 23:00Z")
            try await audit("signin.success", other.id, "\(Self.d(10)) 08:00Z", api: true)
            try await audit("register", other.id, "\(Self.d(11)) 08:00Z")
            // Undeliverable emails in this week and the last, after the fixture's range on any day of
            // the week (8 days back on a Monday is the range's last Sunday): the maintenance job
            // removes refused and given-up messages after 90 days, so these cannot sit in March with
            // the rest.
            for (status, age) in [("dead", "1 day"), ("failed", "6 days"), ("sent", "1 day")] {
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status, created_at)
                    VALUES (\(tx.tenant), 'work_order.approved', 'robin@example.net', 'Approved', 'x', \("<\(UUID())@test>"), \(status),
                            now() - \(age)::interval)
                    """)
            }
            let endpoint = try #require(
                try await tx.first(
                    """
                    INSERT INTO webhook_endpoints (tenant_id, url, events, secret) VALUES (\(tx.tenant), 'https://hooks.example.net/in', '{work_order.created}',
                        \(String(repeating: "ab", count: 32))) RETURNING id
                    """)?.decode("id", as: UUID.self))
            for (status, created, delivered) in [
                ("delivered", "\(Self.d(1)) 10:00Z", "\(Self.d(1)) 10:00Z" as String?),
                ("delivered", "\(Self.d(2)) 10:00Z", "\(Self.d(2)) 10:01Z"),
                ("dead", "\(Self.d(9)) 10:00Z", nil),
            ] {
                try await tx.execute(
                    """
                    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload, status, created_at, delivered_at)
                    VALUES (\(tx.tenant), \(endpoint), gen_random_uuid(), 'work_order.created', '{}', \(status), \(created)::timestamptz,
                            \(delivered)::timestamptz)
                    """)
            }
            // API requests as the instances flush them: per day and surface.
            for (day, surface, requests) in [(Self.d(1), "subscriber", 5), (Self.d(3), "integration", 7), (Self.d(8), "integration", 4)] {
                try await tx.execute(
                    """
                    INSERT INTO api_usage_daily (tenant_id, day, surface, requests) VALUES (\(tx.tenant), \(day)::date, \(surface), \(requests))
                    """)
            }
        }
        return History(tenant: tenant, admin: admin, technician: technician)
    }

    /// The report's CSV rows (header first), parsed plainly: these fixtures have no quotes or commas.
    /// The rows of a report's CSV, which starts with a UTF-8 BOM (for Excel).
    static func csvRows(_ body: String) -> [[String]] {
        #expect(body.hasPrefix("\u{FEFF}"))
        return body.dropFirst().split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func signedInAdmin(_ app: TestApp, _ history: History) async throws -> Browser {
        let browser = Browser(app: app, host: history.tenant.host)
        try await browser.signInStaff(history.admin.email)
        return browser
    }

    @Test(
        "work orders per week, overdue trend, appointments, subscriber activity and integrations match the hand count; another tenant's identical history never counts"
    )
    func weeklyNumbers() async throws {
        _ = try await Self.history()  // a neighbour with the same history, same weeks
        let history = try await Self.history()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await Self.signedInAdmin(app, history)
            func csv(_ report: String, _ query: String = Self.range) async throws -> [[String]] {
                let response = try await admin.get("/admin/reports/\(report).csv?\(query)")
                #expect(response.status == .ok)
                #expect(response.header("Content-Type") == "text/csv; charset=utf-8")
                #expect(response.header("Content-Disposition")?.hasPrefix("attachment; filename=\"\(history.tenant.slug)-\(report)-") == true)
                return Self.csvRows(response.body)
            }
            #expect(
                try await csv("work-orders-weekly") == [
                    ["week_starting", "opened", "approved", "completed"],
                    ["\(Self.d(0))", "3", "2", "1"], ["\(Self.d(7))", "2", "2", "1"],
                ])
            #expect(
                try await csv("work-orders-weekly", Self.range + "&category=Repair") == [
                    ["week_starting", "opened", "approved", "completed"], ["\(Self.d(0))", "2", "2", "1"], ["\(Self.d(7))", "0", "1", "1"],
                ])
            #expect(try await csv("overdue-weekly") == [["week_starting", "overdue"], ["\(Self.d(0))", "1"], ["\(Self.d(7))", "1"]])
            #expect(
                try await csv("overdue-weekly", Self.range + "&category=Repair") == [
                    ["week_starting", "overdue"], ["\(Self.d(0))", "0"], ["\(Self.d(7))", "0"],
                ])
            #expect(
                try await csv("appointments-weekly") == [
                    ["week_starting", "appointments", "confirmed", "reschedule_requested", "cancelled", "reschedule_rate_percent"],
                    ["\(Self.d(0))", "3", "2", "2", "0", "66.7"], ["\(Self.d(7))", "1", "0", "0", "1", "0"],
                ])
            #expect(
                try await csv("subscriber-activity-weekly") == [
                    ["week_starting", "sign_ins", "active_logins", "self_registrations", "emails_not_delivered"],
                    ["\(Self.d(0))", "3", "2", "0", "0"], ["\(Self.d(7))", "1", "1", "1", "0"],
                ])
            // The last two weeks: one refused and one given-up email (the sent one does not count).
            let recent = try await csv(
                "subscriber-activity-weekly",
                "from=\(ReportFilter.day(Date().addingTimeInterval(-13 * 86_400)))&to=\(ReportFilter.day(Date()))")
            #expect(recent.dropFirst().reduce(0) { $0 + (Int($1[4]) ?? 0) } == 2, "\(recent)")
            #expect(
                try await csv("integrations-weekly") == [
                    ["week_starting", "api_requests", "api_sign_ins", "webhooks_delivered", "webhooks_failed"],
                    ["\(Self.d(0))", "12", "0", "2", "0"], ["\(Self.d(7))", "4", "1", "0", "1"],
                ])
            // One day only: the Monday of week 2.
            #expect(
                try await csv("work-orders-weekly", "from=\(Self.d(7))&to=\(Self.d(7))") == [
                    ["week_starting", "opened", "approved", "completed"], ["\(Self.d(7))", "1", "0", "0"],
                ])
        }
    }

    @Test(
        "overdue at the end of each week: overdue since before the range, due before it was submitted, closed before its due date, closed exactly at a week's end, due later"
    )
    func overdueEdges() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let (organization, _) = try await tenant.subscriber()
        try await tenant.transaction { tx in
            // (number, submitted, due, closed): due dates as SQL on the UTC date of today where relative.
            let orders: [(Int, String, SQL, String?)] = [
                (1001, "\(Self.d(-29)) 10:00Z", "\(Self.d(-20))::date", nil),  // A: overdue since February
                (1002, "\(Self.d(-29)) 10:00Z", "\(Self.d(18))::date", "\(Self.d(-1)) 10:00Z"),  // B: closed before its due date: never
                (1003, "\(Self.d(2)) 10:00Z", "\(Self.d(-1))::date", nil),  // C: due before it was submitted: from its submission
                (1004, "\(Self.d(1)) 10:00Z", "(now() AT TIME ZONE 'UTC')::date + 10", nil),  // D: due later: never
                (1005, "\(Self.d(0)) 10:00Z", "\(Self.d(6))::date", "\(Self.d(7)) 00:00Z"),  // E: due Sunday, closed at the week's end: week 1
                (1006, "\(Self.d(0)) 10:00Z", "(now() AT TIME ZONE 'UTC')::date - 1", nil),  // F: due yesterday: overdue now
                (1007, "\(Self.d(0)) 10:00Z", "(now() AT TIME ZONE 'UTC')::date + 1", nil),  // G: due tomorrow: not yet
            ]
            for (number, submitted, due, closed) in orders {
                try await tx.execute(
                    """
                    INSERT INTO work_orders (tenant_id, number, organization_id, title, status, submitted_at, due_date, closed_at, created_by_staff_id)
                    VALUES (\(tx.tenant), \(number), \(organization.id), 'Dated', \(closed == nil ? "approved" : "completed"),
                            \(submitted)::timestamptz, \(due), \(closed)::timestamptz, \(admin.id))
                    """)
            }
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInStaff(admin.email)
            let weeks = Self.csvRows(try await browser.get("/admin/reports/overdue-weekly.csv?\(Self.range)").body)
            // Weeks 1 and 2 end in the past, before F's and G's due dates.
            #expect(weeks == [["week_starting", "overdue"], ["\(Self.d(0))", "3"], ["\(Self.d(7))", "2"]])  // A C E, then A C
            let today = ReportFilter.day(Date())
            let now = Self.csvRows(try await browser.get("/admin/reports/overdue-weekly.csv?from=\(today)&to=\(today)").body)
            #expect(now.count == 2 && now[1].last == "3", "\(now)")  // A, C and F
        }
    }

    @Test("time to approval and to completion: median and 90th percentile by category and by technician")
    func timesToApprovalAndCompletion() async throws {
        let history = try await Self.history()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await Self.signedInAdmin(app, history)
            let header = ["approved", "approval_median_hours", "approval_p90_hours", "completed", "completion_median_hours", "completion_p90_hours"]
            let byCategory = Self.csvRows(try await admin.get("/admin/reports/time-by-category.csv?\(Self.range)").body)
            #expect(byCategory.first == ["category"] + header)
            // Repair: approvals 2, 4, 456 h → median 4, p90 4 + 0.8 × 452 = 365.6; completions 48, 168 h → 108 and 156.
            #expect(
                Set(byCategory.dropFirst()) == [
                    ["Install", "1", "24", "24", "0", "", ""],
                    ["Repair", "3", "4", "365.6", "2", "108", "156"],
                ])
            let byTechnician = Self.csvRows(try await admin.get("/admin/reports/time-by-technician.csv?\(Self.range)").body)
            #expect(byTechnician.first == ["technician"] + header)
            #expect(
                Set(byTechnician.dropFirst()) == [
                    ["Terry Tech (\(history.technician.email))", "2", "3", "3.8", "2", "108", "156"],
                    ["(unassigned)", "2", "240", "412.8", "0", "", ""],
                ])
            let installOnly = Self.csvRows(try await admin.get("/admin/reports/time-by-technician.csv?\(Self.range)&category=Install").body)
            #expect(Array(installOnly.dropFirst()) == [["(unassigned)", "1", "24", "24", "0", "", ""]])
        }
    }

    @Test("the page: a filter form, and per report an accessible SVG chart, the same numbers in a table, and a CSV link with the range")
    func pageShowsChartsAndTables() async throws {
        let history = try await Self.history()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await Self.signedInAdmin(app, history)
            let page = try await admin.get("/admin/reports?\(Self.range)&category=Repair")
            #expect(page.status == .ok)
            #expect(page.body.contains("href=\"/admin/reports\""))  // in the navigation
            for report in [
                "work-orders-weekly", "time-by-category", "time-by-technician", "overdue-weekly", "appointments-weekly",
                "subscriber-activity-weekly", "integrations-weekly",
            ] {
                #expect(
                    page.body.contains(
                        "<svg id=\"chart-\(report)\" class=\"chart\" role=\"img\" aria-labelledby=\"chart-\(report)-title chart-\(report)-desc\""))
                #expect(page.body.contains("<title id=\"chart-\(report)-title\">"))
                #expect(page.body.contains("href=\"/admin/reports/\(report).csv?from=\(Self.d(0))&amp;to=\(Self.d(13))&amp;category=Repair\""))
            }
            #expect(!page.body.contains("style="))  // the CSP allows no inline style
            // Every coordinate filled in (templates see stored properties only).
            for attribute in ["x", "y", "x1", "x2", "y1", "y2", "width", "height"] {
                #expect(!page.body.contains(" \(attribute)=\"\""), "empty \(attribute)")
            }
            // Week 1 of Repair orders: 2 opened, 2 approved, 1 completed — in the table and as bar titles.
            #expect(page.body.contains("<tr><th scope=\"row\">\(Self.d(0))</th><td>2</td><td>2</td><td>1</td></tr>"))
            #expect(page.body.contains("<title>\(Self.d(0)): Opened 2</title>"))
            #expect(page.body.contains("<option selected>Repair</option>"))
            // Without a range: the last twelve weeks up to today.
            let defaults = try await admin.get("/admin/reports")
            #expect(defaults.status == .ok)
            #expect(defaults.body.components(separatedBy: "<title>").count > 12)
        }
    }

    @Test(
        "bad filters get a 422 that says what to change; an unknown report is a 404",
        arguments: [
            ("from=2026-02-30&to=2026-03-15", "Use a date like 2026-05-31."),
            ("from=yesterday", "Use a date like 2026-05-31."),
            ("from=2026-03-15&to=2026-03-02", "The start date (2026-03-15) is after the end date (2026-03-02)."),
            ("from=2020-01-01&to=2026-03-02", "a report covers at most two years"),
            ("from=2026-03-02&to=2026-03-15&category=Plumbing", "There is no work-order category named “Plumbing”."),
            ("from=2026-03-02&to=2026-03-15&category=%27%3B%20DROP%20TABLE%20work_orders%3B--", "There is no work-order category named"),
        ])
    func badFilters(query: String, message: String) async throws {
        let history = try await Self.history()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await Self.signedInAdmin(app, history)
            for path in ["/admin/reports?\(query)", "/admin/reports/work-orders-weekly.csv?\(query)"] {
                let response = try await admin.get(path)
                #expect(response.status == .unprocessableContent, "\(path)")
                #expect(response.body.contains(message.replacingOccurrences(of: "“", with: "&#8220;")) || response.body.contains(message), "\(path)")
                #expect(response.header("Content-Type")?.hasPrefix("text/csv") != true)
            }
            #expect(try await admin.get("/admin/reports/no-such-report.csv").status == .notFound)
            #expect(try await admin.get("/admin/reports/work-orders-weekly").status == .notFound)
            // Nothing was downloaded, so nothing was audited.
            let downloads = try await history.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'report.downloaded'", as: Int.self)
            }
            #expect(downloads == 0)
        }
    }

    @Test("technicians and agents get 403 and no numbers; a download is audited")
    func onlyAdmins() async throws {
        let history = try await Self.history()
        let agent = try await history.tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            for person in [history.technician, agent] {
                let browser = Browser(app: app, host: history.tenant.host)
                try await browser.signInStaff(person.email)
                for path in ["/admin/reports?\(Self.range)", "/admin/reports/work-orders-weekly.csv?\(Self.range)"] {
                    let response = try await browser.get(path)
                    #expect(response.status == .forbidden, "\(person.role) \(path)")
                    #expect(!response.body.contains("week_starting") && !response.body.contains("<svg id=\"chart-"))
                }
                #expect(!(try await browser.get("/admin").body.contains("href=\"/admin/reports\"")))
            }
            let admin = try await Self.signedInAdmin(app, history)
            _ = try await admin.get("/admin/reports/overdue-weekly.csv?\(Self.range)")
            let audited = try await history.tenant.transaction { tx in
                try await tx.rows("SELECT actor_label, target_id, details->>'from' AS f FROM audit_events WHERE action = 'report.downloaded'").map {
                    [try $0.decode("actor_label", as: String.self), try $0.decode("target_id", as: String.self), try $0.decode("f", as: String.self)]
                }
            }
            #expect(audited == [[history.admin.email, "overdue-weekly", "\(Self.d(0))"]])
        }
    }

    @Test("a category name that looks like a formula stays text in the CSV")
    func formulaNamesStayText() async throws {
        let history = try await Self.history(categories: ["=HYPERLINK(\"http://evil.example\")", "Repair"])
        try await history.tenant.transaction { tx in
            try await tx.execute("UPDATE work_orders SET category = '=HYPERLINK(\"http://evil.example\")' WHERE category = 'Install'")
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await Self.signedInAdmin(app, history)
            let body = try await admin.get("/admin/reports/time-by-category.csv?\(Self.range)").body
            #expect(body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\",1,24,24,0,,\r\n"))
            #expect(!body.contains("\r\n=HYPERLINK"))
        }
    }
}
