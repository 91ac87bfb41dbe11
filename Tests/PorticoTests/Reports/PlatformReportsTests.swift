import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// `/operator/reports`: per-tenant usage and weekly growth across the platform, read through
/// migration 0036's counting functions, for operators only.
@Suite("Operator: platform reports")
struct PlatformReportsTests {
    /// A tenant that joined in the week of `monday` (each test its own long-past week) with
    /// two subscriber logins that week and three work orders: two submitted that week (one of
    /// them still open), one draft.
    static func oldTenant(monday: String) async throws -> TestTenant {
        let tenant = try await TestTenant.create()
        let database = try await TestCluster.database()
        try await database.appPool.query("UPDATE tenants SET created_at = \(monday)::date + interval '2 days 10 hours' WHERE id = \(tenant.id)")
        let (organization, first) = try await tenant.subscriber(name: "Ada Early")
        let (_, second) = try await tenant.subscriber(name: "Bo Early")
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET created_at = \(monday)::date + interval '1 day' WHERE id IN (\(first.id), \(second.id))")
            for (number, status, submitted) in [(1001, "submitted", "3 days" as String?), (1002, "completed", "4 days"), (1003, "draft", nil)] {
                try await tx.execute(
                    """
                    INSERT INTO work_orders (tenant_id, number, organization_id, title, status, submitted_at, created_at, created_by_customer_id)
                    VALUES (\(tx.tenant), \(number), \(organization.id), 'Old order', \(status), \(monday)::date + \(submitted)::interval,
                            \(monday)::date + interval '3 days', \(first.id))
                    """)
            }
        }
        return tenant
    }

    @Test("an operator sees each tenant's counts and weekly growth as charts, tables and CSV")
    func operatorReports() async throws {
        let tenant = try await Self.oldTenant(monday: "2001-01-01")
        try await TestApp.with { (app: TestApp) async throws in
            let (browser, _) = try await OperatorFixture.signedIn(app)
            let growth = try await browser.get("/operator/reports/platform-growth.csv?from=2001-01-01&to=2001-01-14")
            #expect(growth.status == .ok)
            #expect(growth.header("Content-Disposition") == "attachment; filename=\"portico-platform-growth-2001-01-01-to-2001-01-14.csv\"")
            #expect(growth.body == "\u{FEFF}week_starting,new_tenants,new_logins,new_work_orders\r\n2001-01-01,1,2,2\r\n2001-01-08,0,0,0\r\n")

            let usage = try await browser.get("/operator/reports/tenant-usage.csv")
            #expect(usage.status == .ok)
            let lines = usage.body.components(separatedBy: "\r\n")
            #expect(lines.first == "\u{FEFF}tenant,accounts,logins,work_orders,open_work_orders")
            #expect(lines.contains("\(tenant.slug),2,2,2,1"))

            let page = try await browser.get("/operator/reports?from=2001-01-01&to=2001-01-14")
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg id=\"chart-platform-growth\" class=\"chart\" role=\"img\""))
            #expect(page.body.contains("<svg id=\"chart-tenant-usage\" class=\"chart\" role=\"img\""))
            #expect(page.body.contains("<tr><th scope=\"row\">2001-01-01</th><td>1</td><td>2</td><td>2</td></tr>"))
            #expect(page.body.contains("href=\"/operator/reports/platform-growth.csv?from=2001-01-01&amp;to=2001-01-14\""))

            let bad = try await browser.get("/operator/reports?from=2001-01-14&to=2001-01-01")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("The start date (2001-01-14) is after the end date (2001-01-01)."))
            #expect(try await browser.get("/operator/reports/tenants.csv").status == .notFound)
        }
    }

    @Test("the reports are not on tenant hosts, and the application role still reads no other tenant's rows")
    func notForTenantsOrTheAppRole() async throws {
        let tenant = try await Self.oldTenant(monday: "2003-01-06")
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInStaff(admin.email)
            for path in ["/operator/reports", "/operator/reports/tenant-usage.csv"] {
                let response = try await browser.get(path)
                #expect(response.status == .notFound)
                #expect(!response.body.contains(tenant.slug + ",2,2,2,1"))
            }
        }
        // The owner-only policies ignore the app role, whatever it sets.
        let database = try await TestCluster.database()
        let seen = try await database.appPool.withTransaction { tx in
            try await tx.execute("SELECT set_config('portico.platform_report', 'on', true)")
            return try await tx.scalar("SELECT count(*)::int FROM work_orders", as: Int.self)
        }
        #expect(seen == 0)
        // The functions give counts, nothing of a row's content.
        let columns = try await database.appPool.query("SELECT * FROM portico_platform_tenant_usage() LIMIT 1").columns.names
        #expect(columns == ["tenant_id", "organizations", "customers", "work_orders", "open_work_orders", "last_work_order_at"])
    }
}
