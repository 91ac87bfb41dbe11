import Foundation
import Logging
import Portico
import PorticoTestSupport
import Postgres
import Synchronization
import Testing

@Suite("Tenant resolution cache under a flood of hosts")
struct TenantDirectoryEvictionTests {
    /// The real store, counting lookups by slug, so the test sees when the cache missed.
    final class CountingStore: TenantStore {
        let store: PostgresTenantStore
        let slugLookups = Mutex<[String: Int]>([:])

        init(pool: ConnectionPool) { store = PostgresTenantStore(pool: pool) }

        func lookups(of slug: String) -> Int { slugLookups.withLock { $0[slug] ?? 0 } }

        func tenant(slug: String) async throws -> Tenant? {
            slugLookups.withLock { $0[slug, default: 0] += 1 }
            return try await store.tenant(slug: slug)
        }
        func tenant(id: TenantID) async throws -> Tenant? { try await store.tenant(id: id) }
        func tenantForActiveDomain(_ domain: String) async throws -> TenantID? { try await store.tenantForActiveDomain(domain) }
        func branding(for tenant: TenantID) async throws -> Branding? { try await store.branding(for: tenant) }
        func domains(for tenant: TenantID) async throws -> [TenantDomain] { try await store.domains(for: tenant) }
        func allTenants() async throws -> [Tenant] { try await store.allTenants() }
        func setStatus(_ status: TenantStatus, slug: String) async throws -> Tenant? { try await store.setStatus(status, slug: slug) }
        func usage(for tenant: TenantID) async throws -> TenantUsage { try await store.usage(for: tenant) }
    }

    @Test("a flood of made-up hosts past the cache's capacity evicts only the coldest entries: a tenant in use stays cached")
    func busyTenantSurvivesFlood() async throws {
        let busy = try await TestTenant.create(name: "Busy Wireless")
        let quiet = try await TestTenant.create(name: "Quiet Wireless")
        let store = CountingStore(pool: try await TestCluster.database().appPool)
        let directory = TenantDirectory(store: store, configuration: TestApp.configuration(), logger: Logger(label: "test"), capacity: 20)
        guard case .tenant = try await directory.resolve(host: quiet.host) else { Issue.record("quiet tenant unresolved"); return }
        guard case .tenant = try await directory.resolve(host: busy.host) else { Issue.record("busy tenant unresolved"); return }

        // Five times the capacity in made-up hosts, the busy tenant's visitors in between.
        for index in 0..<100 {
            _ = try await directory.resolve(host: "made-up-\(index).unknown.example")
            if index % 10 == 0 {
                guard case .tenant(let resolved) = try await directory.resolve(host: busy.host) else {
                    Issue.record("busy tenant unresolved mid-flood"); return
                }
                #expect(resolved.id == busy.id)
            }
        }

        // The busy tenant was looked up once, at its first request; the quiet one was evicted
        // and is looked up again.
        #expect(store.lookups(of: busy.slug) == 1)
        guard case .tenant(let again) = try await directory.resolve(host: quiet.host) else { Issue.record("quiet tenant unresolved"); return }
        #expect(again.id == quiet.id)
        #expect(store.lookups(of: quiet.slug) == 2)
    }
}
