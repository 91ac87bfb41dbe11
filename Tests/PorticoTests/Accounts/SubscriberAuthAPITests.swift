import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Helpers of the subscriber API suites.
enum SubscriberAPITest {
    struct Tokens: Decodable {
        let accessToken: String
        let refreshToken: String
        let tokenType: String
        let expiresIn: Int
    }

    /// Signs in through `POST /auth/login` and returns the pair.
    static func login(_ client: APIClient, _ identifier: String, password: String = TestPasswords.password) async throws -> Tokens {
        let response = try await client.post("/api/v1/auth/login", json: ["identifier": identifier, "password": password])
        #expect(response.status == .ok, "login: \(response)")
        return try response.decode(Tokens.self)
    }

    static func auditCount(_ tenant: TestTenant, action: String, channelAPI: Bool = false) async throws -> Int {
        try await tenant.transaction { tx in
            let channel: SQL = channelAPI ? "AND details->>'channel' = 'api'" : ""
            return try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = \(action) \(channel)", as: Int.self) ?? 0
        }
    }
}

@Suite("Subscriber API: sign-in, registration, tokens")
struct SubscriberAuthAPITests {
    @Test(
        "login with email, account number or phone issues a working pair; wrong and unknown credentials get the same 401; audited as the API channel")
    func login() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Lena Login")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            for identifier in [customer.email.uppercased(), organization.accountNumber, customer.phone] {
                let tokens = try await SubscriberAPITest.login(client, identifier)
                #expect(tokens.tokenType == "Bearer")
                #expect(tokens.expiresIn == 900)
                let me = try await client.with(token: tokens.accessToken).get("/api/v1/me")
                #expect(me.status == .ok)
                #expect(me["email"]?.string == customer.email)
            }
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "signin.success", channelAPI: true) == 3)

            let wrong = try await client.post("/api/v1/auth/login", json: ["identifier": customer.email, "password": "not the password at all"])
            let unknown = try await client.post(
                "/api/v1/auth/login", json: ["identifier": "nobody@example.org", "password": "not the password at all"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "invalid_credentials")
            #expect(wrong.body == unknown.body)
            #expect(unknown.status == .unauthorized)
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "signin.failure", channelAPI: true) == 2)

            // Validation and body rules.
            let missing = try await client.post("/api/v1/auth/login", json: ["identifier": customer.email])
            #expect(missing.status == .unprocessableContent)
            #expect(missing.errorFields["password"] != nil)
            let extra = try await client.post("/api/v1/auth/login", json: ["identifier": customer.email, "password": "x", "remember": true])
            #expect(extra.status == .badRequest)
            #expect(extra.errorCode == "unknown_fields")
            #expect(extra.errorFields["remember"] != nil)
            let form = try await client.send(
                .post, "/api/v1/auth/login", body: "identifier=a&password=b", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            let huge = try await client.send(
                .post, "/api/v1/auth/login", body: "{\"identifier\": \"\(String(repeating: "a", count: 70_000))\", \"password\": \"x\"}")
            #expect(huge.status == .contentTooLarge)
        }
    }

    @Test("suspended and locked accounts get 403 with a clear code")
    func suspendedAndLocked() async throws {
        let tenant = try await TestTenant.create()
        let (_, suspended) = try await tenant.signInableSubscriber(name: "Sue Suspended")
        let (_, locked) = try await tenant.signInableSubscriber(name: "Lou Locked")
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET status = 'suspended' WHERE id = \(suspended.id)")
            try await tx.execute("UPDATE customers SET status = 'locked' WHERE id = \(locked.id)")
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let first = try await client.post("/api/v1/auth/login", json: ["identifier": suspended.email, "password": TestPasswords.password])
            #expect(first.status == .forbidden)
            #expect(first.errorCode == "account_suspended")
            let second = try await client.post("/api/v1/auth/login", json: ["identifier": locked.email, "password": TestPasswords.password])
            #expect(second.status == .forbidden)
            #expect(second.errorCode == "account_locked")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "signin.refused", channelAPI: true) == 2)
        }
    }

    @Test("a brute force through the API hits the account's limit (429 with Retry-After), which the sign-in page shares")
    func rateLimited() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Bruce Force")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            var statuses: [Int] = []
            for attempt in 0..<11 {
                let response = try await client.post(
                    "/api/v1/auth/login", json: ["identifier": customer.email, "password": "guess number \(attempt)"])
                statuses.append(response.status.code)
                if response.status == .tooManyRequests {
                    #expect(response.errorCode == "rate_limited")
                    #expect(Int(response.header("Retry-After") ?? "") ?? 0 > 0)
                }
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.last == 429)
            // Even the right password waits, through the API and on the page.
            let right = try await client.post("/api/v1/auth/login", json: ["identifier": customer.email, "password": TestPasswords.password])
            #expect(right.status == .tooManyRequests)
            let page = try await Browser(app: app, host: tenant.host).signInCustomer(customer.email)
            #expect(page.status == .tooManyRequests)
        }
    }

    @Test("register answers 202 check_email for a new and an existing address alike; the new account can sign in; validation is the page's")
    func register() async throws {
        let tenant = try await TestTenant.create()
        let (_, existing) = try await tenant.signInableSubscriber(name: "Ella Existing")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let email = "newbie-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            let fresh = try await client.post(
                "/api/v1/auth/register",
                json: [
                    "name": "Nora Newbie", "email": email, "phone": "+1 555 0100", "password": "a long and unusual passphrase",
                ])
            #expect(fresh.status == .accepted)
            #expect(fresh["status"]?.string == "check_email")
            let again = try await client.post(
                "/api/v1/auth/register",
                json: [
                    "name": "Someone Else", "email": email, "password": "another long passphrase",
                ])
            #expect(again.status == .accepted)
            #expect(again.body == fresh.body)
            let taken = try await client.post(
                "/api/v1/auth/register",
                json: [
                    "name": "Mallory", "email": existing.email, "password": "another long passphrase",
                ])
            #expect(taken.status == .accepted)
            #expect(taken["status"]?.string == "check_email")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "register", channelAPI: true) == 1)
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "register.existing_email", channelAPI: true) == 2)
            // The registered password is the first one; the second registration changed nothing.
            let tokens = try await SubscriberAPITest.login(client, email, password: "a long and unusual passphrase")
            let me = try await client.with(token: tokens.accessToken).get("/api/v1/me")
            #expect(me["name"]?.string == "Nora Newbie")
            #expect(me["email_verified"]?.bool == false)
            #expect(me["role"]?.string == "owner")
            #expect(me["organization"]?["kind"]?.string == "household")

            let invalid = try await client.post("/api/v1/auth/register", json: ["name": "", "email": "not-an-email", "password": "short"])
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(invalid.errorFields.keys).isSuperset(of: ["name", "email", "password"]))
            let half = try await client.post(
                "/api/v1/auth/register",
                json: [
                    "name": "Half", "email": "half@example.net", "password": "a long and unusual passphrase", "access_code": "ABCD-EFGH",
                ])
            #expect(half.status == .unprocessableContent)
            #expect(half.errorFields["account_number"] != nil)
            let unknown = try await client.post(
                "/api/v1/auth/register",
                json: [
                    "name": "X", "email": "x@example.net", "password": "a long and unusual passphrase", "role": "admin",
                ])
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorFields["role"] != nil)
            // Nothing was written by the refused attempts.
            let customers = try await tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT count(*)::int FROM customers WHERE email IN ('half@example.net', 'x@example.net', 'not-an-email')", as: Int.self)
            }
            #expect(customers == 0)
        }
    }

    @Test("refresh rotates the pair; replaying a used refresh token answers refresh_token_reused and revokes the whole sign-in")
    func refreshRotationAndReuse() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Rita Rotate")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let first = try await SubscriberAPITest.login(client, customer.email)
            let rotated = try await client.post("/api/v1/auth/refresh", json: ["refresh_token": first.refreshToken])
            #expect(rotated.status == .ok)
            let second = try rotated.decode(SubscriberAPITest.Tokens.self)
            #expect(second.accessToken != first.accessToken && second.refreshToken != first.refreshToken)
            #expect(try await client.with(token: first.accessToken).get("/api/v1/me").status == .unauthorized)
            #expect(try await client.with(token: second.accessToken).get("/api/v1/me").status == .ok)

            let replay = try await client.post("/api/v1/auth/refresh", json: ["refresh_token": first.refreshToken])
            #expect(replay.status == .unauthorized)
            #expect(replay.errorCode == "refresh_token_reused")
            #expect(try await client.with(token: second.accessToken).get("/api/v1/me").status == .unauthorized)
            let afterReuse = try await client.post("/api/v1/auth/refresh", json: ["refresh_token": second.refreshToken])
            #expect(afterReuse.status == .unauthorized)
            #expect(afterReuse.errorCode == "invalid_refresh_token")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "api.refresh_reused") == 1)

            let bogus = try await client.post("/api/v1/auth/refresh", json: ["refresh_token": "pr_not-a-token"])
            #expect(bogus.errorCode == "invalid_refresh_token")
            let wrongType = try await client.post("/api/v1/auth/refresh", json: ["refresh_token": 42])
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.errorFields["refresh_token"] != nil)
        }
    }

    @Test("logout revokes its sign-in (access and refresh token) and leaves other devices signed in")
    func logout() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Otto Out")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let phone = try await SubscriberAPITest.login(client, customer.email)
            let tablet = try await SubscriberAPITest.login(client, customer.email)
            let out = try await client.with(token: phone.accessToken).post("/api/v1/auth/logout")
            #expect(out.status == .noContent)
            let revoked = try await client.with(token: phone.accessToken).get("/api/v1/me")
            #expect(revoked.status == .unauthorized)
            #expect(revoked.errorCode == "invalid_token")
            #expect(try await client.post("/api/v1/auth/refresh", json: ["refresh_token": phone.refreshToken]).status == .unauthorized)
            #expect(try await client.with(token: tablet.accessToken).get("/api/v1/me").status == .ok)
            #expect(try await client.with(token: phone.accessToken).post("/api/v1/auth/logout").status == .unauthorized)
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "signout", channelAPI: true) == 1)
        }
    }

    @Test("missing, malformed, expired, revoked and other-tenant credentials: 401 on every authenticated route")
    func credentials() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Cara Cred")
        let (_, foreigner) = try await other.signInableSubscriber(name: "Fred Foreign")
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let foreignTokens = try await SubscriberAPITest.login(APIClient(app: app, host: other.host), foreigner.email)
            let expired = try await SubscriberAPITest.login(client, customer.email)
            try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE customer_id = \(customer.id) AND kind = 'access'")
            }
            let revoked = try await SubscriberAPITest.login(client, customer.email)
            #expect(try await client.with(token: revoked.accessToken).post("/api/v1/auth/logout").status == .noContent)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/me", nil), (.put, "/api/v1/me", "{\"name\": \"X\", \"phone\": \"\"}"), (.get, "/api/v1/appointments", nil),
                (.post, "/api/v1/appointments/\(UUID())/confirm", nil), (.post, "/api/v1/appointments/\(UUID())/reschedule", "{}"),
                (.get, "/api/v1/tasks", nil), (.post, "/api/v1/tasks/\(UUID())/done", nil), (.get, "/api/v1/notes", nil),
                (.get, "/api/v1/service", nil), (.post, "/api/v1/auth/logout", nil),
            ]
            for (method, path, body) in routes {
                let none = try await client.send(method, path, body: body)
                #expect(none.status == .unauthorized && none.errorCode == "missing_credentials", "\(method) \(path): \(none)")
                #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                let malformed = try await client.send(method, path, body: body, headers: [.authorization: "Token abc"])
                #expect(malformed.errorCode == "malformed_credentials", "\(method) \(path)")
                for (label, token) in [
                    ("expired", expired.accessToken), ("revoked", revoked.accessToken), ("other tenant", foreignTokens.accessToken),
                    ("refresh token", expired.refreshToken),
                ] {
                    let response = try await client.with(token: token).send(method, path, body: body)
                    #expect(response.status == .unauthorized && response.errorCode == "invalid_token", "\(label) \(method) \(path): \(response)")
                }
            }
            // The other tenant's token still works on its own host.
            #expect(try await APIClient(app: app, host: other.host, token: foreignTokens.accessToken).get("/api/v1/me").status == .ok)
        }
    }

    @Test("suspension by staff, a password change and a password reset each end API access, refresh tokens included")
    func accessEnds() async throws {
        let tenant = try await TestTenant.create()
        let (organization, suspendMe) = try await tenant.signInableSubscriber(name: "Sid Suspend")
        let (_, changer) = try await tenant.signInableSubscriber(name: "Chad Change")
        let (_, resetter) = try await tenant.signInableSubscriber(name: "Rhea Reset")
        let agent = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let accounts = app.dependencies.customerAccounts
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else {
                Issue.record("the test tenant does not resolve")
                return
            }
            let origin = RequestOrigin(ip: "192.0.2.9", userAgent: "test")

            // Suspension through the console.
            let suspended = try await SubscriberAPITest.login(client, suspendMe.email)
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(agent.email)
            try await console.get("/admin/customers/\(organization.id.uuidString.lowercased())")
            let suspend = try await console.post(
                "/admin/customers/\(organization.id.uuidString.lowercased())/members/\(suspendMe.id.uuidString.lowercased())/suspend")
            #expect(suspend.status == .ok)
            #expect(try await client.with(token: suspended.accessToken).get("/api/v1/me").status == .unauthorized)
            #expect(try await client.post("/api/v1/auth/refresh", json: ["refresh_token": suspended.refreshToken]).status == .unauthorized)

            // A password change (from the portal: it keeps only the page's own session).
            let changed = try await SubscriberAPITest.login(client, changer.email)
            let signedIn = try #require(
                try await tenant.transaction { tx in
                    try await PostgresSubscriberTokenStore().authenticate(accessToken: changed.accessToken, in: tx)
                }
            ).customer
            try await accounts.changePassword(
                customer: signedIn, current: TestPasswords.password, new: "a completely new passphrase",
                keeping: "no-such-session", tenant: resolved, origin: origin)
            #expect(try await client.with(token: changed.accessToken).get("/api/v1/me").status == .unauthorized)
            #expect(try await client.post("/api/v1/auth/refresh", json: ["refresh_token": changed.refreshToken]).status == .unauthorized)
            _ = try await SubscriberAPITest.login(client, changer.email, password: "a completely new passphrase")

            // A password reset through an emailed link.
            let reset = try await SubscriberAPITest.login(client, resetter.email)
            let token = "reset-\(UUID().uuidString)"
            try await tenant.transaction { tx in
                try await AccountTokens.insert(
                    token: token, kind: .resetPassword, email: resetter.email, customerID: resetter.id,
                    lifetime: AccountTokens.Kind.resetPassword.lifetime, in: tx)
            }
            try await accounts.resetPassword(token: token, newPassword: "a freshly reset passphrase", tenant: resolved, origin: origin)
            #expect(try await client.with(token: reset.accessToken).get("/api/v1/me").status == .unauthorized)
            #expect(try await client.post("/api/v1/auth/refresh", json: ["refresh_token": reset.refreshToken]).status == .unauthorized)
        }
    }
}
