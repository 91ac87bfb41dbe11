import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Sign-in limits for subscribers behind carrier-grade NAT: a whole village may share one
/// public address, so an address is judged by its failures only, with a limit that grows with
/// the tenant; each account keeps its own strict limit.
@Suite("Sign-in limits behind carrier-grade NAT")
struct SignInLimitTests {
    /// Records `failures` failed sign-ins in a bucket as if they had happened this hour.
    static func prefill(_ app: TestApp, bucket: String, failures: Int) async throws {
        try await app.dependencies.pool.query(
            """
            INSERT INTO rate_limits (bucket, window_started_at, hits) VALUES (\(bucket), now(), \(failures))
            ON CONFLICT (bucket) DO UPDATE SET hits = EXCLUDED.hits, window_started_at = now(), blocked_until = NULL
            """)
    }

    static func hits(_ app: TestApp, bucket: String) async throws -> Int {
        try await app.dependencies.pool.query("SELECT hits FROM rate_limits WHERE bucket = \(bucket)").rows.first?.decode("hits", as: Int.self) ?? 0
    }

    static func village() -> String { "100.64.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))" }

    func buckets(_ app: TestApp, _ tenant: TestTenant, ip: String, identifier: String = "x") -> SignInLimits.Buckets {
        SignInLimits(limiter: app.dependencies.rateLimiter).buckets(scope: .tenant(tenant.id), kind: "", identifier: identifier, ip: ip)
    }

    @Test("a village behind one address: many successful sign-ins for different accounts are never blocked and never counted")
    func successesAreFree() async throws {
        let tenant = try await TestTenant.create()
        var neighbours: [Customer] = []
        for index in 0..<12 { neighbours.append(try await tenant.signInableSubscriber(name: "Neighbour \(index)").1) }
        let staff = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let address = Self.village()
            let limits = buckets(app, tenant, ip: address)
            // The address is one failure short of its limit already …
            try await Self.prefill(app, bucket: limits.address, failures: RateLimit.signInIP.limit - 1)
            // … and every neighbour still signs in, through the portal, the API and the console.
            for neighbour in neighbours {
                #expect(try await Browser(app: app, host: tenant.host, peer: address).signInCustomer(neighbour.email).status == .seeOther)
            }
            let api = APIClient(app: app, host: tenant.host, peer: address)
            let token = try await api.post("/api/v1/auth/login", json: ["identifier": neighbours[0].email, "password": TestPasswords.password])
            #expect(token.status == .ok)
            #expect(try await Browser(app: app, host: tenant.host, peer: address).signInStaff(staff.email).status == .seeOther)
            #expect(try await Self.hits(app, bucket: limits.address) == RateLimit.signInIP.limit - 1)
            #expect(try await Self.hits(app, bucket: limits.tenant!) == 0)
        }
    }

    @Test(
        "a credential-stuffing run from one address is stopped after the limit, for known and unknown accounts alike (same 429); other addresses and tenants go on"
    )
    func failuresAreCounted() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (_, victim) = try await tenant.signInableSubscriber()
        let (_, elsewhere) = try await other.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let address = Self.village()
            let limits = buckets(app, tenant, ip: address)
            try await Self.prefill(app, bucket: limits.address, failures: RateLimit.signInIP.limit - 2)
            // The last two failures the address is allowed are answered as wrong passwords.
            for attempt in 1...2 {
                let guess = try await Browser(app: app, host: tenant.host, peer: address)
                    .signInCustomer("stuffed-\(attempt)@example.net", password: "leaked password \(attempt)")
                #expect(guess.status == .unauthorized, "attempt \(attempt)")
            }
            #expect(try await Self.hits(app, bucket: limits.tenant!) == 2)
            // Then the address waits: a real account with its right password and an unknown one
            // get the very same answer.
            let known = try await Browser(app: app, host: tenant.host, peer: address).signInCustomer(victim.email)
            let unknown = try await Browser(app: app, host: tenant.host, peer: address).signInCustomer(
                "nobody@example.net", password: "leaked password 3")
            #expect(known.status == .tooManyRequests)
            #expect(unknown.status == known.status)
            #expect(known.header("Retry-After").flatMap(Int.init).map { $0 > 0 && $0 <= 600 } == true)
            // Identical but for what was typed and the error page's per-request reference.
            func normalized(_ body: String, _ typed: String) -> String {
                EnumerationAndRateLimitTests().normalized(body).replacingOccurrences(of: typed, with: "X")
                    .replacingOccurrences(of: #"reference [0-9a-f]+"#, with: "reference R", options: .regularExpression)
            }
            #expect(normalized(known.body, victim.email) == normalized(unknown.body, "nobody@example.net"))
            // Staff sign-in from that address waits as well (same address bucket).
            let staff = try await tenant.staff(role: .admin)
            #expect(try await Browser(app: app, host: tenant.host, peer: address).signInStaff(staff.email).status == .tooManyRequests)
            // Another address, and the same address on another ISP's portal, are not affected.
            #expect(try await Browser(app: app, host: tenant.host, peer: Self.village()).signInCustomer(victim.email).status == .seeOther)
            #expect(try await Browser(app: app, host: other.host, peer: address).signInCustomer(elsewhere.email).status == .seeOther)
        }
    }

    @Test("the per-address limit grows with the tenant: 50 failures an hour, one more per 20 accounts, at most 1,000")
    func scalesWithTheTenant() async throws {
        #expect(RateLimit.signInIP(accounts: 0).limit == 50)
        #expect(RateLimit.signInIP(accounts: 2_000).limit == 150)
        #expect(RateLimit.signInIP(accounts: 1_000_000).limit == 1_000)
        #expect(RateLimit.signInTenant(accounts: 20_000).limit == 7_000)

        // A tenant with 60 accounts (subscribers and staff) allows 53 failures per address.
        let tenant = try await TestTenant.create()
        try await tenant.transaction { tx in
            for index in 0..<59 {
                _ = try await Repositories.postgres.customers.create(
                    NewCustomer(
                        organizationId: try await Repositories.postgres.organizations.create(NewOrganization(name: "Home \(index)"), in: tx).id,
                        role: .owner, name: "Person \(index)", email: "p\(index)-\(tenant.slug)@example.net", status: .active), in: tx)
            }
        }
        _ = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let address = Self.village()
            let limits = buckets(app, tenant, ip: address)
            try await Self.prefill(app, bucket: limits.address, failures: 51)
            // The 52nd and 53rd failures are still answered (the base limit of 50 would have stopped them) …
            for attempt in 52...53 {
                let response = try await Browser(app: app, host: tenant.host, peer: address).signInCustomer(
                    "guess\(attempt)@example.net", password: "nope nope nope")
                #expect(response.status == .unauthorized, "failure \(attempt)")
            }
            // … the 54th waits.
            #expect(
                try await Browser(app: app, host: tenant.host, peer: address).signInCustomer("guess54@example.net", password: "nope nope nope").status
                    == .tooManyRequests)
        }
    }

    @Test("one address hopping between tenants meets the cross-tenant ceiling")
    func crossTenantCeiling() async throws {
        let first = try await TestTenant.create()
        let second = try await TestTenant.create()
        let (_, customer) = try await second.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let address = Self.village()
            let limits = buckets(app, first, ip: address)
            try await Self.prefill(app, bucket: limits.anyTenantAddress, failures: RateLimit.signInAnyTenantIP.limit - 1)
            #expect(
                try await Browser(app: app, host: first.host, peer: address).signInCustomer("hop@example.net", password: "nope nope nope").status
                    == .unauthorized)
            #expect(try await Browser(app: app, host: second.host, peer: address).signInCustomer(customer.email).status == .tooManyRequests)
        }
    }

    @Test("per-account back-off is as strict as before: ten failures from ten addresses close the account, even for the right password")
    func accountStaysStrict() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            for attempt in 1...10 {
                let response = try await Browser(app: app, host: tenant.host, peer: Self.village()).signInCustomer(
                    customer.email, password: "wrong \(attempt) guess")
                #expect(response.status == .unauthorized)
            }
            let blocked = try await Browser(app: app, host: tenant.host, peer: Self.village()).signInCustomer(customer.email)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.header("Retry-After").flatMap(Int.init).map { $0 > 0 && $0 <= 300 } == true)
            // The same identifier through the API is the same account.
            let api = APIClient(app: app, host: tenant.host, peer: Self.village())
            #expect(
                try await api.post("/api/v1/auth/login", json: ["identifier": customer.email, "password": TestPasswords.password]).status
                    == .tooManyRequests)
        }
    }
}
