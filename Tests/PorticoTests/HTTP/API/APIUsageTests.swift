import Foundation
import Logging
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// API requests counted per tenant, day and surface: in memory on the request path, added to
/// `api_usage_daily` by the flusher, shown in the admin's "API and webhook usage" report.
@Suite("API usage counting")
struct APIUsageTests {
    static func usage(_ tenant: TestTenant) async throws -> [String: Int] {
        try await tenant.transaction { tx in
            try await tx.rows("SELECT surface, requests::int AS requests FROM api_usage_daily WHERE day = (now() AT TIME ZONE 'UTC')::date")
        }.reduce(into: [:]) { $0[try $1.decode("surface", as: String.self)] = try $1.decode("requests", as: Int.self) }
    }

    static func flusher(_ app: TestApp) -> APIUsageFlusher {
        APIUsageFlusher(pool: app.dependencies.pool, tally: app.dependencies.apiUsage, logger: Logger(label: "test"))
    }

    @Test("each authenticated request counts once for its own tenant and surface; refused credentials do not; flushes add up across instances")
    func countsPerTenantAndSurface() async throws {
        let tenant = try await TestTenant.create()
        let neighbour = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        let neighbourKey = try await IntegrationSupport.key(neighbour)
        let (_, customer) = try await tenant.subscriber()
        let token = try await WorkOrderAPIFixture.token(tenant, customer)
        try await TestApp.with { (app: TestApp) async throws in
            let integration = IntegrationSupport.client(app, tenant, key: key)
            for _ in 0..<3 { #expect(try await integration.get("/api/v1/admin/organizations").status == .ok) }
            // A refused request still used the API (a 404 here).
            #expect(try await integration.get("/api/v1/admin/organizations/nobody").status == .notFound)
            let subscriber = APIClient(app: app, host: tenant.host, token: token)
            for _ in 0..<2 { #expect(try await subscriber.get("/api/v1/me").status == .ok) }
            #expect(try await IntegrationSupport.client(app, neighbour, key: neighbourKey).get("/api/v1/admin/organizations").status == .ok)
            // Not authenticated: not usage of anyone's API.
            #expect(try await IntegrationSupport.client(app, tenant, key: "pk_wrong").get("/api/v1/admin/organizations").status == .unauthorized)
            #expect(try await APIClient(app: app, host: tenant.host, token: "wrong").get("/api/v1/me").status == .unauthorized)

            #expect(try await Self.flusher(app).flush() == 3, "three (tenant, day, surface) counts in one statement")
            #expect(try await Self.usage(tenant) == ["integration": 4, "subscriber": 2])
            #expect(try await Self.usage(neighbour) == ["integration": 1])
            #expect(try await Self.flusher(app).flush() == 0, "nothing new, nothing written")

            // A second instance (its own tally) adds to the same rows rather than replacing them.
            try await TestApp.with { (other: TestApp) async throws in
                #expect(try await IntegrationSupport.client(other, tenant, key: key).get("/api/v1/admin/organizations").status == .ok)
                try await Self.flusher(other).flush()
            }
            #expect(try await Self.usage(tenant) == ["integration": 5, "subscriber": 2])
        }
    }

    @Test("the admin's integrations report shows this week's API requests")
    func reported() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let key = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            for _ in 0..<7 { _ = try await IntegrationSupport.client(app, tenant, key: key).get("/api/v1/admin/customers") }
            try await Self.flusher(app).flush()
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let today = ReportFilter.day(Date())
            let csv = try await console.get("/admin/reports/integrations-weekly.csv?from=\(today)&to=\(today)")
            let rows = csv.body.split(separator: "\r\n").map { $0.split(separator: ",").map(String.init) }
            #expect(rows.first?.contains("api_requests") == true)
            #expect(rows.count == 2 && rows.last?[1] == "7", "\(rows)")
        }
    }

    @Test("counts a failed flush puts back merge with those counted meanwhile")
    func restoredCountsMerge() async throws {
        let tally = APIUsageTally()
        let tenant = TenantID(UUID())
        tally.count(.integration, tenant: tenant)
        tally.count(.integration, tenant: tenant)
        let drained = tally.drain()
        #expect(drained.values.reduce(0, +) == 2)
        #expect(tally.drain().isEmpty)
        tally.count(.integration, tenant: tenant)
        tally.restore(drained)
        #expect(tally.drain().values.reduce(0, +) == 3, "restored counts merge with new ones")
    }
}
