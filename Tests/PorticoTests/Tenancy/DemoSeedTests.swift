import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Demo seeding writes each tenant's rows in the transaction that creates the tenant, through
/// the pool's one helper for that (`withNewTenant`): under forced row-level security the rows
/// exist only if that transaction was scoped to the new tenant.
@Suite("Demo seeding")
struct DemoSeedTests {
    @Test(
        "the demo tenants come with their branding, categories, subscribers and staff, each row scoped to its tenant; a second run leaves them alone")
    func seedsTenantScopedRows() async throws {
        // Setup: a database of its own (the demo slugs are fixed).
        let scratch = try await TestCluster.migratedScratchDatabase(prefix: "demo")
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: scratch.appURL, maxConnections: 2))
        do {
            let demo = DemoData(pool: pool, configuration: TestApp.configuration(), hasher: TestApp.hasher)

            // Act
            let first = try await demo.seed()
            let second = try await demo.seed()

            // Check
            #expect(first.count == 2 && first.allSatisfy { $0.contains("created") }, "\(first)")
            #expect(second.allSatisfy { $0.contains("already present") }, "\(second)")
            for slug in ["acme", "zenith"] {
                let id = try #require(try await pool.query("SELECT id FROM tenants WHERE slug = \(slug)").rows.first?.decode("id", as: TenantID.self))
                let counts = try await pool.withTenant(id) { tx in
                    (
                        branding: try await tx.scalar("SELECT count(*)::int FROM tenant_branding", as: Int.self) ?? 0,
                        categories: try await tx.scalar("SELECT count(*)::int FROM work_order_categories", as: Int.self) ?? 0,
                        customers: try await tx.scalar("SELECT count(*)::int FROM customers", as: Int.self) ?? 0,
                        staff: try await tx.scalar("SELECT count(*)::int FROM staff_users", as: Int.self) ?? 0
                    )
                }
                #expect(counts.branding == 1, "\(slug)")
                let zone = try await pool.query("SELECT time_zone FROM tenants WHERE id = \(id)").rows.first?.decode("time_zone", as: String.self)
                #expect(zone == (slug == "acme" ? "America/Chicago" : "Europe/Madrid"))
                #expect(counts.categories > 0 && counts.customers > 0 && counts.staff >= 3, "\(slug): \(counts)")
            }
            // Zenith speaks Spanish first and gives its welcome and first question in English too.
            let zenith = try #require(
                try await pool.query("SELECT id FROM tenants WHERE slug = 'zenith'").rows.first?.decode("id", as: TenantID.self))
            let english = try await pool.withTenant(zenith) { tx in
                try await tx.scalar(
                    """
                    SELECT (SELECT translations -> 'en' ->> 'welcome_message' FROM tenant_branding)
                           || ' / ' || (SELECT translations -> 'en' ->> 'question' FROM faq_entries WHERE position = 0)
                    """, as: String.self)
            }
            #expect(english == "Welcome to Zenith — high-altitude internet for mountain homes. / My internet is slow in the evening. Why?")
        } catch {
            await pool.close()
            await scratch.drop()
            throw error
        }
        await pool.close()
        await scratch.drop()
    }
}
