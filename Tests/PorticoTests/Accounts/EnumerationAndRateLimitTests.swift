import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Account enumeration and brute force")
struct EnumerationAndRateLimitTests {
    /// A response body with the per-visitor CSRF token blanked out.
    func normalized(_ body: String) -> String {
        var text = body
        while let range = text.range(of: "name=\"csrf_token\" value=\""), let end = text[range.upperBound...].firstIndex(of: "\"") {
            text.replaceSubrange(range.upperBound..<end, with: "TOKEN")
            guard let next = text.range(of: "TOKEN\"", range: range.upperBound..<text.endIndex) else { break }
            _ = next
            break
        }
        return text.replacingOccurrences(of: #"value="[A-Za-z0-9_-]{43}""#, with: "value=\"TOKEN\"", options: .regularExpression)
    }

    @Test("sign-in, registration and forgot-password answer alike for existing and unknown accounts")
    func sameAnswers() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(email: "known-\(UUID().uuidString.prefix(6).lowercased())@example.net")
        let unknown = "unknown-\(UUID().uuidString.prefix(6).lowercased())@example.net"
        try await TestApp.with { (app: TestApp) async throws in
            func signIn(_ email: String) async throws -> HTTPTestResponse {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.get("/portal/login")
                return try await browser.post(
                    "/portal/login", ["identifier": "probe", "password": "wrong password 123"].merging(["identifier": email]) { $1 })
            }
            let existingLogin = try await signIn(customer.email)
            let unknownLogin = try await signIn(unknown)
            #expect(existingLogin.status == unknownLogin.status)
            #expect(
                normalized(existingLogin.body).replacingOccurrences(of: customer.email, with: "EMAIL")
                    == normalized(unknownLogin.body).replacingOccurrences(of: unknown, with: "EMAIL"))

            func register(_ email: String) async throws -> HTTPTestResponse {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.get("/portal/register")
                return try await browser.post("/portal/register", ["name": "Probe Person", "email": email, "password": "a fine long passphrase"])
            }
            let existingRegister = try await register(customer.email)
            let fresh = "fresh-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            let newRegister = try await register(fresh)
            #expect(existingRegister.status == .ok)
            #expect(existingRegister.status == newRegister.status)
            #expect(
                normalized(existingRegister.body).replacingOccurrences(of: customer.email, with: "EMAIL")
                    == normalized(newRegister.body).replacingOccurrences(of: fresh, with: "EMAIL"))
            // The real owner hears about the attempt; the account is unchanged.
            #expect(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "account_exists") != nil)
            #expect(try await Browser(app: app, host: tenant.host).signInCustomer(customer.email).status == .seeOther)

            func forgot(_ email: String) async throws -> HTTPTestResponse {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.get("/portal/forgot-password")
                return try await browser.post("/portal/forgot-password", ["email": email])
            }
            let existingForgot = try await forgot(customer.email)
            let unknownForgot = try await forgot(unknown)
            #expect(existingForgot.status == unknownForgot.status)
            #expect(
                normalized(existingForgot.body).replacingOccurrences(of: customer.email, with: "EMAIL")
                    == normalized(unknownForgot.body).replacingOccurrences(of: unknown, with: "EMAIL"))
            #expect(try await TestMailbox.latest(to: unknown, tenant: tenant.id, kind: "reset_password") == nil)
        }
    }

    @Test("ten wrong passwords block the account with a 429 and a retry time; the block lifts; a right password then works")
    func accountLimit() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            for attempt in 1...10 {
                let response = try await Browser(app: app, host: tenant.host).signInCustomer(customer.email, password: "wrong guess \(attempt)")
                #expect(response.status == .unauthorized, "attempt \(attempt)")
            }
            // Blocked now, even with the right password (from another address, too).
            let blocked = try await Browser(app: app, host: tenant.host).signInCustomer(customer.email)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.header("Retry-After").flatMap(Int.init).map { $0 > 0 } == true)
            #expect(blocked.body.contains("Too many attempts"))
            #expect(blocked.body.contains("minute"))

            // Time passes: the block lifts and the account signs in again.
            let bucket = RateLimiter.bucket(.signInAccount, tenant.id.description, customer.email)
            try await app.dependencies.pool.query("UPDATE rate_limits SET blocked_until = now() - interval '1 second' WHERE bucket = \(bucket)")
            #expect(try await Browser(app: app, host: tenant.host).signInCustomer(customer.email).status == .seeOther)
            // A success clears the failures.
            let remaining = try await app.dependencies.pool.query("SELECT count(*)::int AS n FROM rate_limits WHERE bucket = \(bucket)").rows.first?
                .decode("n", as: Int.self)
            #expect(remaining == 0)
        }
    }

    @Test("an address with too many failed sign-ins is limited for every account of the tenant; other addresses are not")
    func ipLimit() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let peer = "198.51.100.\(Int.random(in: 1...254))"
            let buckets = SignInLimits(limiter: app.dependencies.rateLimiter).buckets(scope: .tenant(tenant.id), kind: "", identifier: "x", ip: peer)
            // Spend all but one of the address's hourly failures quickly; the last one closes it.
            try await SignInLimitTests.prefill(app, bucket: buckets.address, failures: RateLimit.signInIP.limit - 1)
            let browser = Browser(app: app, host: tenant.host, peer: peer)
            #expect(
                try await browser.signInCustomer("first-\(UUID().uuidString.prefix(4))@example.net", password: "whatever password").status
                    == .unauthorized)
            let response = try await browser.signInCustomer("anyone-\(UUID().uuidString.prefix(4))@example.net", password: "whatever password")
            #expect(response.status == .tooManyRequests)
            // Another address is not affected.
            let other = try await Browser(app: app, host: tenant.host).signInCustomer("anyone@example.net", password: "whatever password")
            #expect(other.status == .unauthorized)
        }
    }

    @Test("back-off grows with repeated offences and is forgiven after a quiet window")
    func backoffGrows() async throws {
        let pool = try await TestCluster.database().appPool
        let limiter = RateLimiter(pool: pool)
        let limit = RateLimit(name: "test-backoff", limit: 2, window: .seconds(3600), baseBlock: .seconds(60), maximumBlock: .seconds(3600))
        let bucket = RateLimiter.bucket(limit, UUID().uuidString)
        #expect(try await limiter.hit(limit, bucket: bucket).allowed)
        // The second hit is the last allowed one and closes the bucket for a minute.
        // (The clock keeps running between calls; a loaded machine may take seconds.)
        func secondsSince(_ start: ContinuousClock.Instant) -> Int { Int((ContinuousClock.now - start).components.seconds) + 1 }
        let closedAt = ContinuousClock.now
        let closing = try await limiter.hit(limit, bucket: bucket)
        #expect(closing.allowed)
        let first = try await limiter.hit(limit, bucket: bucket)
        #expect(!first.allowed)
        #expect(first.retryAfter >= 60 - secondsSince(closedAt) && first.retryAfter <= 60)
        #expect(try await !limiter.check(limit, bucket: bucket).allowed)
        try await pool.query("UPDATE rate_limits SET blocked_until = now() - interval '1 second' WHERE bucket = \(bucket)")
        #expect(try await limiter.hit(limit, bucket: bucket).allowed)
        let reclosedAt = ContinuousClock.now
        #expect(try await limiter.hit(limit, bucket: bucket).allowed)
        // A repeat offence doubles the block.
        let second = try await limiter.check(limit, bucket: bucket)
        #expect(second.retryAfter >= 120 - secondsSince(reclosedAt) && second.retryAfter <= 120)
        // A quiet window forgives the strikes.
        try await pool.query(
            """
            UPDATE rate_limits SET blocked_until = now() - interval '2 hours', window_started_at = now() - interval '2 hours' WHERE bucket = \(bucket)
            """)
        #expect(try await limiter.hit(limit, bucket: bucket).allowed)
        let strikes = try await pool.query("SELECT strikes FROM rate_limits WHERE bucket = \(bucket)").rows.first?.decode("strikes", as: Int.self)
        #expect(strikes == 0)
    }
}

@Suite("Password policy")
struct PasswordPolicyTests {
    @Test("the shipped list holds at least 10,000 common passwords and they are refused")
    func commonPasswords() {
        let policy = PasswordPolicy.standard
        #expect(policy.commonCount >= 10_000)
        for common in ["password1234", "1234567890", "qwertyuiop", "iloveyou123", "PASSWORD1234"] where common.count >= 10 {
            #expect(policy.problem(with: common, email: nil)?.contains("most commonly used") == true, "\(common)")
        }
    }

    @Test("length bounds, the email itself, and no composition rules")
    func rules() {
        let policy = PasswordPolicy.standard
        #expect(policy.problem(with: "short", email: nil)?.contains("at least 10") == true)
        #expect(policy.problem(with: String(repeating: "a1", count: 65), email: nil)?.contains("at most 128") == true)
        #expect(policy.problem(with: String(repeating: "wordsx", count: 21).prefix(128).description, email: nil) == nil)
        #expect(policy.problem(with: "dana@example.net", email: "dana@example.net")?.contains("email") == true)
        #expect(policy.problem(with: "aaaaaaaaaaaa", email: nil) != nil)
        // No composition rules: lower-case words alone are fine.
        #expect(policy.problem(with: "purple tractor moonlight", email: nil) == nil)
        #expect(policy.problem(with: "ünïcödé pässwörd", email: nil) == nil)
    }

    @Test("registration refuses a common password with the reason next to the field, keeping what was typed")
    func registrationShowsTheReason() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.get("/portal/register")
            let response = try await browser.post("/portal/register", ["name": "Weak Pat", "email": "weak@example.net", "password": "password123"])
            #expect(response.status == .unprocessableContent)
            #expect(response.body.contains("most commonly used"))
            #expect(response.body.contains("value=\"Weak Pat\""))
            #expect(response.body.contains("value=\"weak@example.net\""))
            #expect(!response.body.contains("password123"))
        }
    }
}
