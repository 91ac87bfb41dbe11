import Foundation
import HTTPTypes
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Where you're signed in: sessions and devices")
struct SignedInDevicesTests {
    static let iPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    static let windowsFirefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
    static let androidApp = "okhttp/4.12.0"

    /// A browser with its own user agent, signed in as a subscriber through the real form.
    func subscriberBrowser(_ app: TestApp, _ tenant: TestTenant, _ email: String, agent: String, peer: String) async throws -> Browser {
        let browser = Browser(app: app, host: tenant.host, peer: peer)
        try await browser.get("/portal/login", headers: [.userAgent: agent])
        let signedIn = try await browser.post(
            "/portal/login", ["identifier": email, "password": TestPasswords.password], headers: [.userAgent: agent])
        #expect(signedIn.status == .seeOther)
        return browser
    }

    func staffBrowser(_ app: TestApp, _ tenant: TestTenant, _ email: String, agent: String, peer: String) async throws -> Browser {
        let browser = Browser(app: app, host: tenant.host, peer: peer)
        try await browser.get("/admin/login", headers: [.userAgent: agent])
        try await browser.post("/admin/login", ["email": email, "password": TestPasswords.password], headers: [.userAgent: agent])
        return browser
    }

    func sessionIDs(_ tenant: TestTenant, principal: UUID) async throws -> [UUID] {
        try await tenant.transaction { tx in
            try await tx.rows("SELECT id FROM sessions WHERE principal_id = \(principal) ORDER BY created_at").map {
                try $0.decode("id", as: UUID.self)
            }
        }
    }

    func count(_ tenant: TestTenant, _ sql: SQL) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) ?? 0 }
    }

    @Test("a subscriber sees each browser and app signed in (device, address, times, this device) and signs out one, then every other")
    func subscriberSignsOutDevices() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Dev Ices")
        try await TestApp.with { (app: TestApp) async throws in
            let phone = try await subscriberBrowser(app, tenant, customer.email, agent: Self.iPhone, peer: "198.51.100.21")
            let laptop = try await subscriberBrowser(app, tenant, customer.email, agent: Self.windowsFirefox, peer: "198.51.100.22")
            let api = APIClient(app: app, host: tenant.host, peer: "198.51.100.23")
            let tokens = try await SubscriberAPITest.login(api, customer.email)
            let appClient = api.with(token: tokens.accessToken)
            // The app's sign-in as an Android app makes it (the test client sends its own user agent).
            _ = try await tenant.transaction { tx in
                try await tx.execute("UPDATE api_tokens SET user_agent = \(Self.androidApp) WHERE customer_id = \(customer.id)")
            }

            let profile = try await laptop.get("/portal/profile", headers: [.userAgent: Self.windowsFirefox])
            #expect(profile.status == .ok)
            #expect(profile.body.contains("Where you&#39;re signed in"))  // the catalog's text, HTML-escaped
            #expect(profile.body.contains("Firefox 127 on Windows <span class=\"badge badge--confirmed\">This device</span>"))
            #expect(profile.body.contains("Safari 17 on iPhone"))
            #expect(profile.body.contains("from 198.51.100.21"))
            #expect(profile.body.contains("An Android app"))
            #expect(profile.body.contains("App · from 198.51.100.23"))
            #expect(profile.body.contains("Sign out everywhere else"))

            // One device: the phone.
            let ids = try await sessionIDs(tenant, principal: customer.id)
            #expect(ids.count == 2)
            let phoneID = ids[0].uuidString.lowercased()
            #expect(profile.body.contains("/portal/profile/sessions/\(phoneID)/sign-out"))
            let ended = try await laptop.post("/portal/profile/sessions/\(phoneID)/sign-out")
            #expect(ended.status == .ok)
            #expect(ended.body.contains("Safari 17 on iPhone was signed out."))
            #expect(try await phone.get("/portal").header("Location")?.hasPrefix("/portal/login") == true)
            #expect(try await laptop.get("/portal").status == .ok)
            #expect(try await appClient.get("/api/v1/me").status == .ok)
            #expect(
                try await count(
                    tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'session.ended' AND details->>'device' = 'Safari 17 on iPhone'")
                    == 1)

            // Every other one: the app.
            let others = try await laptop.post("/portal/profile/sessions/sign-out-others")
            #expect(others.status == .ok)
            #expect(others.body.contains("1 other device was signed out."))
            #expect(others.body.contains("You are signed in on this device only."))
            #expect(try await appClient.get("/api/v1/me").status == .unauthorized)
            #expect(try await api.post("/api/v1/auth/refresh", json: ["refresh_token": tokens.refreshToken]).status == .unauthorized)
            #expect(try await laptop.get("/portal").status == .ok)
            #expect(
                try await count(tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'session.ended_others' AND details->>'count' = '1'")
                    == 1)
        }
    }

    @Test("another person's, another tenant's, a staff member's or a made-up session id: the same 404, and every session stays")
    func onlyYourOwnSessions() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Owner One")
        let housemate = try await tenant.transaction { tx in
            try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .member, name: "House Mate", email: "mate-\(UUID().uuidString.prefix(6))@example.net",
                    passwordHash: try await TestPasswords.hash(), status: .active, emailVerified: true), in: tx)
        }
        let (_, stranger) = try await other.signInableSubscriber(name: "Other Tenant")
        let staff = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let me = try await subscriberBrowser(app, tenant, customer.email, agent: Self.windowsFirefox, peer: "198.51.100.31")
            let mate = try await subscriberBrowser(app, tenant, housemate.email, agent: Self.iPhone, peer: "198.51.100.32")
            let far = try await subscriberBrowser(app, other, stranger.email, agent: Self.iPhone, peer: "198.51.100.33")
            let console = try await staffBrowser(app, tenant, staff.email, agent: Self.windowsFirefox, peer: "198.51.100.34")
            let foreign = [
                try await sessionIDs(tenant, principal: housemate.id), try await sessionIDs(other, principal: stranger.id),
                try await sessionIDs(tenant, principal: staff.id), [UUID()],
            ].flatMap { $0 }
            #expect(foreign.count == 4)
            let before =
                try await count(tenant, "SELECT count(*)::int FROM sessions") + (try await count(other, "SELECT count(*)::int FROM sessions"))

            for id in foreign {
                try await me.get("/portal/profile")  // a fresh form each time (an error page carries no CSRF token)
                let refused = try await me.post("/portal/profile/sessions/\(id.uuidString.lowercased())/sign-out")
                #expect(refused.status == .notFound)
                #expect(refused.body.contains("could not find that session"))
            }
            try await me.get("/portal/profile")
            #expect(try await me.post("/portal/profile/sessions/not-a-uuid/sign-out").status == .notFound)
            // Staff cannot end a subscriber's session from their own page either.
            try await console.get("/admin/account")
            let mine = try await sessionIDs(tenant, principal: customer.id)
            #expect(try await console.post("/admin/account/sessions/\(mine[0].uuidString.lowercased())/sign-out").status == .notFound)

            let after = try await count(tenant, "SELECT count(*)::int FROM sessions") + (try await count(other, "SELECT count(*)::int FROM sessions"))
            #expect(after == before, "nothing was signed out")
            #expect(try await mate.get("/portal").status == .ok)
            #expect(try await far.get("/portal").status == .ok)
            #expect(try await console.get("/admin").status == .ok)
            #expect(try await count(tenant, "SELECT count(*)::int FROM audit_events WHERE action LIKE '%session.ended%'") == 0)

            // Without the form's CSRF token nothing happens either.
            try await me.get("/portal/profile")
            let forged = try await me.post("/portal/profile/sessions/sign-out-others", includeCSRF: false)
            #expect(forged.status == .forbidden)
            #expect(try await mate.get("/portal").status == .ok)
        }
    }

    @Test("naming this very session signs out here, like the header's Sign out")
    func signOutHere() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = try await subscriberBrowser(app, tenant, customer.email, agent: Self.iPhone, peer: "198.51.100.41")
            try await browser.get("/portal/profile")
            let id = try #require(try await sessionIDs(tenant, principal: customer.id).first)
            let out = try await browser.post("/portal/profile/sessions/\(id.uuidString.lowercased())/sign-out")
            #expect(out.status == .seeOther)
            #expect(out.header("Location") == "/portal/login")
            #expect(browser.cookie("portico_session") == nil)
            #expect(try await sessionIDs(tenant, principal: customer.id).isEmpty)
        }
    }

    @Test("a password change says how many other devices it signed out, and the list then shows this one only")
    func passwordChangeShowsTheEffect() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let phone = try await subscriberBrowser(app, tenant, customer.email, agent: Self.iPhone, peer: "198.51.100.51")
            let laptop = try await subscriberBrowser(app, tenant, customer.email, agent: Self.windowsFirefox, peer: "198.51.100.52")
            try await laptop.get("/portal/profile")
            let wrong = try await laptop.post(
                "/portal/profile/password", ["current_password": "not it at all", "new_password": "a brand new passphrase"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("This is not your current password."))
            #expect(try await phone.get("/portal").status == .ok, "a refused change signs nobody out")

            let changed = try await laptop.post(
                "/portal/profile/password", ["current_password": TestPasswords.password, "new_password": "a brand new passphrase"])
            #expect(changed.status == .ok)
            #expect(changed.body.contains("Your password is changed. 1 other device was signed out."))
            #expect(changed.body.contains("You are signed in on this device only."))
            #expect(try await phone.get("/portal").header("Location")?.hasPrefix("/portal/login") == true)
        }
    }

    @Test("staff see their sessions on My account, including one waiting for its two-factor code, and sign them out")
    func staffSessions() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let agent = try await tenant.staff(role: .agent)
        try await tenant.transaction { tx in
            try await Repositories.postgres.staff.setTOTP(secret: TOTPCodes.newSecret(), enabled: true, for: admin.id, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            // A session that got past the password but not the code (a leaked password, say).
            let halfway = try await staffBrowser(app, tenant, admin.email, agent: Self.iPhone, peer: "198.51.100.61")
            #expect(try await halfway.get("/admin").header("Location") == "/admin/login/code")
            // The admin, fully signed in elsewhere (code from the authenticator).
            let desk = try await staffBrowser(app, tenant, admin.email, agent: Self.windowsFirefox, peer: "198.51.100.62")
            let secret = try #require(
                try await tenant.transaction { tx in try await Repositories.postgres.staff.credentials(id: admin.id, in: tx)?.totpSecret })
            try await desk.get("/admin/login/code")
            #expect(try await desk.post("/admin/login/code", ["code": String(format: "%06d", TOTP(secret: secret).compute())]).status == .seeOther)
            let colleague = try await staffBrowser(app, tenant, agent.email, agent: Self.iPhone, peer: "198.51.100.63")

            let page = try await desk.get("/admin/account")
            #expect(page.status == .ok)
            #expect(page.body.contains("Firefox 127 on Windows <span class=\"badge badge--confirmed\">This device</span>"))
            #expect(page.body.contains("Waiting for the two-factor code"))
            #expect(page.body.contains("from 198.51.100.61"))
            #expect(!page.body.contains("198.51.100.63"), "a colleague's session is not listed")

            // A colleague's session, and an admin's of another tenant: as unknown as a made-up id.
            let elsewhere = try await TestTenant.create()
            let foreignAdmin = try await elsewhere.staff(role: .admin)
            let foreignDesk = try await staffBrowser(app, elsewhere, foreignAdmin.email, agent: Self.windowsFirefox, peer: "198.51.100.64")
            let agentSession = try #require(try await sessionIDs(tenant, principal: agent.id).first)
            let foreignSession = try #require(try await sessionIDs(elsewhere, principal: foreignAdmin.id).first)
            for id in [agentSession, foreignSession, UUID()] {
                try await desk.get("/admin/account")
                #expect(try await desk.post("/admin/account/sessions/\(id.uuidString.lowercased())/sign-out").status == .notFound)
            }
            #expect(try await colleague.get("/admin").status == .ok)
            #expect(try await foreignDesk.get("/admin").status == .ok)

            try await desk.get("/admin/account")
            let others = try await desk.post("/admin/account/sessions/sign-out-others")
            #expect(others.body.contains("1 other device was signed out."))
            #expect(try await halfway.get("/admin").header("Location")?.hasPrefix("/admin/login?") == true, "the half-signed-in session is gone")
            #expect(try await sessionIDs(tenant, principal: admin.id).count == 1)
            #expect(try await count(tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'staff.session.ended_others'") == 1)
        }
    }

    @Test("staff change their own password on My account: wrong or weak input is explained, success signs out their other sessions and emails them")
    func staffPasswordChange() async throws {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let other = try await staffBrowser(app, tenant, agent.email, agent: Self.iPhone, peer: "198.51.100.71")
            let desk = try await staffBrowser(app, tenant, agent.email, agent: Self.windowsFirefox, peer: "198.51.100.72")
            try await desk.get("/admin/account")
            let wrong = try await desk.post(
                "/admin/account/password", ["current_password": "nope nope nope", "new_password": "another good passphrase"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("This is not your current password."))
            let weak = try await desk.post("/admin/account/password", ["current_password": TestPasswords.password, "new_password": "short"])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.body.contains("href=\"#field-new_password\""))
            #expect(try await other.get("/admin").status == .ok, "refused changes sign nobody out")

            let changed = try await desk.post(
                "/admin/account/password", ["current_password": TestPasswords.password, "new_password": "another good passphrase"])
            #expect(changed.status == .ok)
            #expect(changed.body.contains("Your password is changed. 1 other device was signed out."))
            #expect(try await other.get("/admin").status == .seeOther)
            #expect(try await TestMailbox.latest(to: agent.email, tenant: tenant.id, kind: "password_changed") != nil)
            #expect(try await count(tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'staff.password.changed'") == 1)
            let again = Browser(app: app, host: tenant.host)
            #expect(try await again.signInStaff(agent.email, password: "another good passphrase").header("Location") == "/admin")
        }
    }
}
