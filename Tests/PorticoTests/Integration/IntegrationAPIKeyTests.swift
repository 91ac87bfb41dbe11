import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

/// Test helpers of the integration API suites.
enum IntegrationSupport {
    static func key(_ tenant: TestTenant, scopes: Set<APIKeyIdentity.Scope> = [.read, .write], name: String = "Billing sync") async throws -> String {
        try await tenant.transaction { tx in try await PostgresAPIKeyStore().create(name: name, scopes: scopes, createdBy: nil, in: tx).secret }
    }

    static func client(_ app: TestApp, _ tenant: TestTenant, key: String?) -> APIClient {
        APIClient(app: app, host: tenant.host, token: key)
    }

    static func count(_ tenant: TestTenant, _ sql: SQL) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) ?? 0 }
    }
}

@Suite("Integration API: keys, authentication, scopes and limits")
struct IntegrationAPIKeyTests {
    @Test(
        "an admin creates a key on the page (shown once, only its hash stored), it works and records its use, and revoking it ends it; both audited")
    func lifecycle() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let settings = try await console.get("/admin/settings")
            #expect(settings.body.contains("href=\"/admin/api-keys\""))
            #expect(try await console.get("/admin/api-keys").status == .ok)
            let created = try await console.post("/admin/api-keys", ["name": "Billing sync", "scope": "write"])
            #expect(created.status == .created)
            let secret = try #require(created.body.firstMatch(of: /value="(pk_[A-Za-z0-9_-]+)"/).map { String($0.1) })
            // Only the hash is stored; the listing shows a prefix, never the key again.
            #expect(
                try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM api_keys WHERE key_hash = \(secret) OR key_prefix = \(secret)")
                    == 0)
            #expect(
                try await IntegrationSupport.count(
                    tenant, "SELECT count(*)::int FROM api_keys WHERE key_hash = \(Digest.sha256Hex(secret)) AND last_used_at IS NULL") == 1)
            let listing = try await console.get("/admin/api-keys")
            #expect(!listing.body.contains(secret))
            #expect(listing.body.contains(String(secret.prefix(10))))
            #expect(listing.body.contains("Never"))

            let api = IntegrationSupport.client(app, tenant, key: secret)
            #expect(try await api.get("/api/v1/admin/organizations").status == .ok)
            #expect(try await api.put("/api/v1/admin/organizations/crm-1", json: ["name": "Keyed Household"]).status == .created)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM api_keys WHERE last_used_at IS NOT NULL") == 1)

            let id = try await tenant.transaction { tx in try await tx.scalar("SELECT id::text FROM api_keys", as: String.self) }!
            try await console.get("/admin/api-keys")
            let revoked = try await console.post("/admin/api-keys/\(id)/revoke")
            #expect(revoked.status == .ok)
            #expect(revoked.body.contains("Revoked"))
            let refused = try await api.get("/api/v1/admin/organizations")
            #expect(refused.status == .unauthorized)
            #expect(refused.errorCode == "invalid_token")
            #expect(refused.header("WWW-Authenticate") != nil)
            // Revoking again: it is no longer a live key.
            try await console.get("/admin/api-keys")
            #expect(try await console.post("/admin/api-keys/\(id)/revoke").status == .notFound)

            let audited = try await tenant.transaction { tx in
                try await tx.rows("SELECT action, actor_kind, actor_label FROM audit_events ORDER BY id").map {
                    "\(try $0.decode("action", as: String.self))/\(try $0.decode("actor_kind", as: String.self))/\(try $0.decode("actor_label", as: String.self))"
                }
            }
            #expect(audited.contains("api_key.created/staff/\(admin.email)"))
            #expect(audited.contains("api_key.revoked/staff/\(admin.email)"))
            #expect(audited.contains("organization.created/integration/API key Billing sync"))
        }
    }

    @Test("a bad name or scope is refused on the page with a message and creates nothing")
    func pageValidation() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/api-keys")
            let response = try await console.post("/admin/api-keys", ["name": " ", "scope": "everything"])
            #expect(response.status == .unprocessableContent)
            #expect(response.body.contains("Name the key"))
            #expect(response.body.contains("Choose read"))
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM api_keys") == 0)
        }
    }

    @Test("agents and technicians get 403 on every API-key page and action and see no link; anonymous visitors are sent to sign in")
    func roleMatrix() async throws {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        let technician = try await tenant.staff(role: .technician)
        let secret = try await IntegrationSupport.key(tenant)
        let id = try await tenant.transaction { tx in try await tx.scalar("SELECT id::text FROM api_keys", as: String.self) }!
        try await TestApp.with { (app: TestApp) async throws in
            for member in [agent, technician] {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.signInStaff(member.email)
                let home = try await browser.get("/admin")
                #expect(!home.body.contains("/admin/api-keys"))
                #expect(try await browser.get("/admin/api-keys").status == .forbidden)
                try await browser.get("/admin")
                #expect(try await browser.post("/admin/api-keys", ["name": "Sneaky", "scope": "write"]).status == .forbidden)
                try await browser.get("/admin")
                #expect(try await browser.post("/admin/api-keys/\(id)/revoke").status == .forbidden)
            }
            #expect(try await Browser(app: app, host: tenant.host).get("/admin/api-keys").status == .seeOther)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM api_keys WHERE revoked_at IS NULL") == 1)
            #expect(try await IntegrationSupport.client(app, tenant, key: secret).get("/api/v1/admin/organizations").status == .ok)
        }
    }

    @Test("another tenant's admin revoking this tenant's key id gets the 404 of a missing key, and the key keeps working")
    func crossTenantRevoke() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let otherAdmin = try await other.staff(role: .admin)
        let secret = try await IntegrationSupport.key(tenant)
        let id = try await tenant.transaction { tx in try await tx.scalar("SELECT id::text FROM api_keys", as: String.self) }!
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: other.host)
            try await browser.signInStaff(otherAdmin.email)
            try await browser.get("/admin/api-keys")
            #expect(try await browser.post("/admin/api-keys/\(id)/revoke").status == .notFound)
            try await browser.get("/admin/api-keys")
            #expect(try await browser.post("/admin/api-keys/\(UUID().uuidString.lowercased())/revoke").status == .notFound)
            #expect(try await IntegrationSupport.client(app, tenant, key: secret).get("/api/v1/admin/organizations").status == .ok)
        }
    }

    @Test("missing, malformed, unknown, other tenant's keys and subscriber tokens get 401; keys are not subscriber tokens either")
    func authentication() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let foreign = try await IntegrationSupport.key(other)
        let (_, customer) = try await tenant.subscriber()
        let access = try await tenant.transaction { tx in
            try await PostgresSubscriberTokenStore().issue(customer: customer.id, origin: RequestOrigin(ip: "192.0.2.1", userAgent: ""), in: tx)
                .accessToken
        }
        let own = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let anonymous = IntegrationSupport.client(app, tenant, key: nil)
            #expect(try await anonymous.get("/api/v1/admin/organizations").errorCode == "missing_credentials")
            let malformed = try await anonymous.get("/api/v1/admin/organizations", headers: [.authorization: "Basic abc"])
            #expect(malformed.status == .unauthorized && malformed.errorCode == "malformed_credentials")
            for token in [foreign, access, "pk_not-a-key", own + "x"] {
                let response = try await anonymous.with(token: token).put("/api/v1/admin/organizations/crm-x", json: ["name": "Nope"])
                #expect(response.status == .unauthorized, "\(token.prefix(6))")
                #expect(response.errorCode == "invalid_token")
            }
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 1)
        }
        // The subscriber authenticator accepts only subscriber access tokens.
        let asSubscriber = try await tenant.transaction { tx in try await PostgresSubscriberTokenStore().authenticate(accessToken: own, in: tx) }
        #expect(asSubscriber == nil)
    }

    @Test("a read key reads but gets 403 insufficient_scope on writes, naming the scope; nothing is written")
    func scopes() async throws {
        let tenant = try await TestTenant.create()
        let reader = try await IntegrationSupport.key(tenant, scopes: [.read], name: "Reporting")
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: reader)
            #expect(try await api.get("/api/v1/admin/customers").status == .ok)
            let put = try await api.put("/api/v1/admin/organizations/crm-9", json: ["name": "Read Only"])
            #expect(put.status == .forbidden)
            #expect(put.errorCode == "insufficient_scope")
            #expect(put["error"]?["message"]?.string?.contains("`write`") == true)
            let post = try await api.post("/api/v1/admin/work-orders", json: ["organization_external_id": "crm-9", "title": "x"])
            #expect(post.status == .forbidden)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 0)
        }
    }

    @Test("a key over its per-minute budget gets 429 with Retry-After; other keys are unaffected")
    func rateLimit() async throws {
        let tenant = try await TestTenant.create()
        let busy = try await IntegrationSupport.key(tenant, name: "Runaway loop")
        let calm = try await IntegrationSupport.key(tenant, name: "Calm")
        let id = try await tenant.transaction { tx in try await tx.scalar("SELECT id FROM api_keys WHERE name = 'Runaway loop'", as: UUID.self) }!
        let pool = try await TestCluster.database().appPool
        try await TestApp.with { (app: TestApp) async throws in
            // The window opens only once the app is up: the test may have waited for it.
            try await pool.query(
                """
                INSERT INTO rate_limits (bucket, window_started_at, hits) VALUES (\(RateLimit.apiKeyBucket(id)), now(), \(RateLimit.apiKey.limit))
                """)
            let limited = try await IntegrationSupport.client(app, tenant, key: busy).get("/api/v1/admin/organizations")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(try await IntegrationSupport.client(app, tenant, key: calm).get("/api/v1/admin/organizations").status == .ok)
        }
    }

    @Test("the CLI creates a working key and prints it once; a bad tenant or scope is one clear error")
    func cli() async throws {
        let tenant = try await TestTenant.create()
        let environment = try await OnboardingTests.environment()
        let secret = try await APIKeyCommands.create(tenant: tenant.slug, name: "Demo sync", scope: "write", environment: environment)
        #expect(secret.hasPrefix("pk_"))
        await #expect(throws: APIKeyCommands.CommandError.self) {
            try await APIKeyCommands.create(tenant: "no-such-tenant", name: "x", scope: "read", environment: environment)
        }
        await #expect(throws: APIKeyCommands.CommandError.self) {
            try await APIKeyCommands.create(tenant: tenant.slug, name: "x", scope: "admin", environment: environment)
        }
        try await TestApp.with { (app: TestApp) async throws in
            #expect(
                try await IntegrationSupport.client(app, tenant, key: secret).put("/api/v1/admin/organizations/cli-1", json: ["name": "CLI"]).status
                    == .created)
        }
    }
}
