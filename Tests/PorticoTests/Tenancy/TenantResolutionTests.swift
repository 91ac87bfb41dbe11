import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Tenant resolution by Host header")
struct TenantResolutionTests {
    @Test("a tenant's subdomain resolves in every accepted Host form")
    func acceptedHostForms() async throws {
        let tenant = try await TestTenant.create(name: "Resolution Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            for host in [tenant.host, tenant.host.uppercased(), "\(tenant.host):8080", "\(tenant.host).", "\(tenant.host).:8080"] {
                let response = try await app.get("/", host: host)
                #expect(response.status == .ok, "Host \(host)")
                #expect(response.body.contains("Resolution Wireless"), "Host \(host)")
            }
        }
    }

    @Test("malformed, empty, user@host and repeated Host headers get a 400")
    func rejectedHostForms() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            for host in [
                "", "\(tenant.host)..", "user@\(tenant.host)", "bad host.localhost", "[::1]:8080", "\(tenant.host):99999", "\(tenant.host):x",
                "a..localhost",
            ] {
                let response = try await app.get("/", host: host)
                #expect(response.status == .badRequest, "Host \"\(host)\" gave \(response.status)")
                #expect(!response.body.contains(tenant.name))
            }
            let missing = try await app.get("/", host: nil)
            #expect(missing.status == .badRequest)
            let repeated = try await app.get("/", host: tenant.host, headers: [HTTPField.Name("Host")!: "other.localhost"])
            #expect(repeated.status == .badRequest)
            #expect(repeated.body.contains("more than one Host header"))
        }
    }

    @Test("an unknown host gets a 404 page that names no tenant")
    func unknownHost() async throws {
        let tenant = try await TestTenant.create(name: "Secretive Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            for host in [
                "nobody-\(UUID().uuidString.prefix(6).lowercased()).localhost", "example.com", "\(tenant.slug).example.com", "sub.\(tenant.host)",
            ] {
                let response = try await app.get("/", host: host)
                #expect(response.status == .notFound, "Host \(host)")
                #expect(!response.body.contains("Secretive"))
                #expect(!response.body.contains(tenant.slug))
                #expect(response.body.contains("There is no portal at this address"))
            }
        }
    }

    @Test("a custom domain answers only once it is verified")
    func customDomainNeedsVerification() async throws {
        let tenant = try await TestTenant.create(name: "Custom Domain Co")
        let domain = "portal.\(tenant.slug).example.net"
        try await tenant.transaction { tx in
            try await tx.execute(
                "INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token) VALUES (\(tx.tenant), \(domain), 'custom', 'token')")
        }
        try await TestApp.with { (app: TestApp) async throws in
            #expect(try await app.get("/", host: domain).status == .notFound)
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE tenant_domains SET verified_at = now() WHERE domain = \(domain)")
            }
            try await eventually { try await app.get("/", host: domain).status == .ok }
            #expect(try await app.get("/", host: domain).body.contains("Custom Domain Co"))
        }
    }

    @Test("a suspended tenant's portal is a plain 503 'temporarily unavailable' page")
    func suspendedTenant() async throws {
        let tenant = try await TestTenant.create(name: "Paused Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            #expect(try await app.get("/", host: tenant.host).status == .ok)
            _ = try await PostgresTenantStore(pool: app.dependencies.pool).setStatus(.suspended, slug: tenant.slug)
            try await eventually { try await app.get("/", host: tenant.host).status == .serviceUnavailable }
            let response = try await app.get("/", host: tenant.host)
            #expect(response.body.contains("temporarily unavailable"))
            #expect(!response.body.contains("Paused Wireless"))
        }
    }

    @Test("X-Forwarded-Host is ignored unless the peer is a trusted proxy")
    func forwardedHost() async throws {
        let tenant = try await TestTenant.create(name: "Forwarded Wireless")
        let configuration = TestApp.configuration(trustedProxies: [IPNetwork("10.0.0.0/8")!])
        try await TestApp.with(configuration: configuration) { (app: TestApp) async throws in
            let headers: HTTPFields = [HTTPField.Name("X-Forwarded-Host")!: tenant.host]
            let untrusted = try await app.request(.get, "/", host: "unknown.localhost", headers: headers, peer: "203.0.113.5")
            #expect(untrusted.status == .notFound)
            let trusted = try await app.request(.get, "/", host: "unknown.localhost", headers: headers, peer: "10.1.2.3")
            #expect(trusted.status == .ok)
            #expect(trusted.body.contains("Forwarded Wireless"))
        }
    }

    @Test("tenant routes do not exist on the operator host, and health checks answer on any host")
    func operatorHostAndHealth() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            #expect(try await app.get("/", host: "operator.localhost").status == .notFound)
            #expect(try await app.get("/healthz", host: "anything.example").status == .ok)
            // Readiness allows the database one second; the first query of a fresh pool can take
            // longer while the whole suite shares two cores, so the probe is asked again, as a
            // load balancer would, before the answer counts.
            var ready = try await app.get("/readyz", host: nil).status
            for _ in 0..<3 where ready != .ok { ready = try await app.get("/readyz", host: nil).status }
            #expect(ready == .ok)
        }
    }

    @Test("branding.css carries the tenant's colours with an ETag that revalidates")
    func brandingStylesheet() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE tenant_branding SET color_primary = '#123456', version = version + 1")
        }
        try await TestApp.with { (app: TestApp) async throws in
            let response = try await app.get("/branding.css", host: tenant.host)
            #expect(response.status == .ok)
            #expect(response.body.contains("--brand-primary: #123456"))
            let etag = try #require(response.header("ETag"))
            let revalidated = try await app.get("/branding.css", host: tenant.host, headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)
        }
    }
}

/// Polls until `condition` holds (cache invalidation is asynchronous), for at most `timeout`.
func eventually(timeout: Duration = .seconds(2), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    #expect(try await condition(), "condition did not become true within \(timeout)")
}
