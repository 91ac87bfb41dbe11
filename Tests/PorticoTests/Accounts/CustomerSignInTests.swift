import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber sign-in, registration and sessions")
struct CustomerSignInTests {
    @Test("register → verify by the emailed link → sign in → sign out")
    func registerVerifySignInSignOut() async throws {
        let tenant = try await TestTenant.create(name: "Register Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.get("/portal/register")
            let email = "new-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            let registered = try await browser.post(
                "/portal/register",
                [
                    "name": "Nora New", "email": email, "phone": "+1 (555) 010-7788", "password": "a long and unusual passphrase",
                ])
            #expect(registered.status == .ok)
            #expect(registered.body.contains("Check your email"))
            #expect(browser.cookie("portico_session") == nil)  // registration does not sign in

            let mail = try #require(try await TestMailbox.latest(to: email, tenant: tenant.id, kind: "verify_email"))
            #expect(mail.link?.hasPrefix("http://\(tenant.host):8080/portal/verify?token=") == true)
            #expect(mail.subject.contains("Register Wireless"))

            // Signed in but unverified: the dashboard says so.
            let signIn = try await browser.signInCustomer(email, password: "a long and unusual passphrase")
            #expect(signIn.status == .seeOther)
            #expect(signIn.header("Location") == "/portal")
            #expect(try await browser.get("/portal").body.contains("Please confirm your email address"))

            let verified = try await browser.get(try #require(mail.linkPath))
            #expect(verified.status == .ok)
            #expect(verified.body.contains("Email confirmed"))
            #expect(verified.header("Referrer-Policy") == "same-origin")
            #expect(!(try await browser.get("/portal").body.contains("Please confirm your email address")))
            // The link works once.
            #expect(try await browser.get(try #require(mail.linkPath)).status == .notFound)

            let signedOut = try await browser.post("/portal/logout")
            #expect(signedOut.status == .seeOther)
            #expect(browser.cookie("portico_session") == nil)
            let after = try await browser.get("/portal")
            #expect(after.status == .seeOther)
            #expect(after.header("Location")?.hasPrefix("/portal/login?next=") == true)
        }
    }

    @Test("sign in by email, by account number and by phone; a wrong password is refused")
    func identifiers() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber()
        let phone = customer.phone
        try await TestApp.with { (app: TestApp) async throws in
            for identifier in [customer.email, customer.email.uppercased(), organization.accountNumber, phone] {
                let browser = Browser(app: app, host: tenant.host)
                let response = try await browser.signInCustomer(identifier)
                #expect(response.status == .seeOther, "identifier \(identifier)")
                #expect(try await browser.get("/portal").status == .ok, "identifier \(identifier)")
            }
            let wrong = Browser(app: app, host: tenant.host)
            let refused = try await wrong.signInCustomer(customer.email, password: "not the right password")
            #expect(refused.status == .unauthorized)
            #expect(refused.body.contains("is not right"))
            #expect(refused.body.contains("value=\"\(customer.email)\""))  // what was typed stays, except the password
            #expect(wrong.cookie("portico_session") == nil)
        }
    }

    @Test("suspended and locked customers cannot sign in, and a suspension ends a live session at the next request")
    func suspendedAndLocked() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            #expect(try await browser.get("/portal").status == .ok)
            for status in [CustomerStatus.suspended, .locked] {
                try await tenant.transaction { tx in try await Repositories.postgres.customers.setStatus(status, for: customer.id, in: tx) }
                #expect(try await browser.get("/portal").status == .seeOther, "still in while \(status)")
                let again = try await Browser(app: app, host: tenant.host).signInCustomer(customer.email)
                #expect(again.status == .forbidden)
                #expect(again.body.contains("Your account is \(status.rawValue)"))
            }
        }
    }

    @Test("a planted session cookie is never adopted, and sign-in issues a fresh token")
    func sessionFixation() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let planted = "planted-by-an-attacker-0123456789abcdef"
            browser.setCookie("portico_session", planted)
            try await browser.signInCustomer(customer.email)
            let issued = try #require(browser.cookie("portico_session"))
            #expect(issued != planted)
            // The planted value still means nothing.
            let attacker = Browser(app: app, host: tenant.host)
            attacker.setCookie("portico_session", planted)
            #expect(try await attacker.get("/portal").status == .seeOther)
            // And signing in again (from a signed-in page) replaces the token and ends the old session.
            try await browser.get("/portal")
            try await browser.post("/portal/login", ["identifier": customer.email, "password": TestPasswords.password])
            #expect(browser.cookie("portico_session") != issued)
            let old = Browser(app: app, host: tenant.host)
            old.setCookie("portico_session", issued)
            #expect(try await old.get("/portal").status == .seeOther)
        }
    }

    @Test("a session made on tenant A's host is refused on tenant B's host")
    func crossTenantSession() async throws {
        let tenantA = try await TestTenant.create()
        let tenantB = try await TestTenant.create()
        let (_, customer) = try await tenantA.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browserA = Browser(app: app, host: tenantA.host)
            try await browserA.signInCustomer(customer.email)
            let token = try #require(browserA.cookie("portico_session"))
            let browserB = Browser(app: app, host: tenantB.host)
            browserB.setCookie("portico_session", token)
            let response = try await browserB.get("/portal")
            #expect(response.status == .seeOther)
            #expect(response.header("Location")?.hasPrefix("/portal/login") == true)
        }
    }

    @Test("sessions end after the idle timeout and after the absolute limit")
    func expiry() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let idle = Browser(app: app, host: tenant.host)
            try await idle.signInCustomer(customer.email)
            #expect(try await idle.get("/portal").status == .ok)
            // 25 hours of silence for a 24-hour idle timeout.
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE sessions SET last_seen_at = now() - interval '25 hours' WHERE principal_id = \(customer.id)")
            }
            #expect(try await idle.get("/portal").status == .seeOther)

            let absolute = Browser(app: app, host: tenant.host)
            try await absolute.signInCustomer(customer.email)
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE principal_id = \(customer.id)")
            }
            #expect(try await absolute.get("/portal").status == .seeOther)

            // Staff idle out after 30 minutes.
            let staff = try await tenant.staff(role: .agent)
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(staff.email)
            #expect(try await console.get("/admin").status == .ok)
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE principal_id = \(staff.id)")
            }
            #expect(try await console.get("/admin").status == .seeOther)
        }
    }

    @Test("remember me makes the cookie persistent; otherwise it ends with the browser")
    func rememberMe() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let plain = Browser(app: app, host: tenant.host)
            try await plain.get("/portal/login")
            let session = try await plain.post("/portal/login", ["identifier": customer.email, "password": TestPasswords.password])
            let cookie = try #require(session.headers("Set-Cookie").first { $0.hasPrefix("portico_session=") })
            #expect(!cookie.contains("Max-Age"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.lowercased().contains("domain="))

            let remembered = Browser(app: app, host: tenant.host)
            try await remembered.get("/portal/login")
            let long = try await remembered.post(
                "/portal/login", ["identifier": customer.email, "password": TestPasswords.password, "remember": "on"])
            let persistent = try #require(long.headers("Set-Cookie").first { $0.hasPrefix("portico_session=") })
            #expect(persistent.contains("Max-Age="))
        }
    }

    @Test("under https the session cookie is Secure with the __Host- prefix")
    func secureCookies() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with(configuration: TestApp.configuration(scheme: .https)) { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.get("/portal/login")
            let response = try await browser.post(
                "/portal/login", ["identifier": customer.email, "password": TestPasswords.password],
                headers: [.origin: "https://\(tenant.host)"])
            let cookie = try #require(response.headers("Set-Cookie").first { $0.hasPrefix("__Host-portico_session=") })
            #expect(cookie.contains("Secure"))
            #expect(cookie.contains("Path=/"))
            #expect(response.header("Strict-Transport-Security")?.contains("max-age=") == true)
        }
    }
}
