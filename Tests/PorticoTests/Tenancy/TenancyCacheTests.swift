import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Resolution cache invalidation across instances")
struct TenancyCacheTests {
    @Test("a domain removed through one instance stops working on another, pushed by NOTIFY rather than waiting out the cache")
    func removedDomainStopsEverywhere() async throws {
        let tenant = try await TestTenant.create(name: "Two Instance Wireless")
        let domain = "portal.\(tenant.slug).example.org"
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at)
                VALUES (\(tx.tenant), \(domain), 'custom', 'token', now())
                """)
        }
        // Two applications, each with its own pool, listener and cache: two `serve` processes.
        try await TestApp.with { (first: TestApp) async throws in
            try await TestApp.with { (second: TestApp) async throws in
                #expect(try await first.get("/", host: domain).status == .ok)
                #expect(try await second.get("/", host: domain).status == .ok)  // now cached in both

                try await first.dependencies.pool.withTenant(tenant.id) { tx in
                    try await tx.execute("DELETE FROM tenant_domains WHERE domain = \(domain)")
                }
                // Invalidated by NOTIFY, long before the cached answer's 300 s TTL would end it.
                // (Latency is a benchmark's question; under CI load it exceeded a second.)
                try await eventually(timeout: .seconds(10)) { try await second.get("/", host: domain).status == .notFound }
                // The writing instance hears of it the same way (its own NOTIFY), not synchronously.
                try await eventually(timeout: .seconds(10)) { try await first.get("/", host: domain).status == .notFound }
            }
        }
    }

    @Test("a branding change is visible on the next request of another instance")
    func brandingChangePropagates() async throws {
        let tenant = try await TestTenant.create(name: "Before Rename")
        try await TestApp.with { (first: TestApp) async throws in
            try await TestApp.with { (second: TestApp) async throws in
                #expect(try await second.get("/", host: tenant.host).body.contains("Before Rename"))
                try await first.dependencies.pool.withTenant(tenant.id) { tx in
                    try await tx.execute("UPDATE tenant_branding SET company_name = 'After Rename', version = version + 1")
                }
                try await eventually { try await second.get("/", host: tenant.host).body.contains("After Rename") }
            }
        }
    }
}
