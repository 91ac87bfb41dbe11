import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff password recovery and operator set-password links")
struct StaffRecoveryTests {
    /// Asks for a reset link on /admin/forgot-password; returns the page.
    func askForReset(_ browser: Browser, email: String) async throws -> HTTPTestResponse {
        try await browser.get("/admin/forgot-password")
        return try await browser.post("/admin/forgot-password", ["email": email])
    }

    /// The path and query of the newest staff reset link mailed to `email`.
    func mailedResetPath(to email: String, tenant: TestTenant) async throws -> String {
        let mail = try #require(try await TestMailbox.latest(to: email, tenant: tenant.id, kind: "reset_password"))
        let path = try #require(mail.linkPath)
        #expect(path.hasPrefix("/admin/reset-password?token="))
        return path
    }

    func token(of path: String) -> String {
        URLComponents(string: path)?.queryItems?.first { $0.name == "token" }?.value ?? ""
    }

    /// The page's <main> element: what differs between two answers, without per-browser tokens.
    func main(_ body: String) -> String {
        guard let start = body.range(of: "<main"), let end = body.range(of: "</main>") else { return body }
        return String(body[start.lowerBound..<end.upperBound])
    }

    func auditActions(_ tenant: TestTenant) async throws -> [String] {
        try await tenant.transaction { tx in
            try await Repositories.postgres.audit.list(AuditFilter(), limit: 100, offset: 0, in: tx).map(\.action)
        }
    }

    @Test(
        "forgot password on /admin: a neutral answer either way, one emailed link that sets a new password, ends every session and keeps two-factor")
    func forgotAndReset() async throws {
        let tenant = try await TestTenant.create(name: "Recovery Wireless")
        let staff = try await tenant.staff(role: .admin)
        let secret = TOTPCodes.newSecret()
        try await tenant.transaction { tx in try await Repositories.postgres.staff.setTOTP(secret: secret, enabled: true, for: staff.id, in: tx) }
        try await TestApp.with { (app: TestApp) async throws in
            // A session from before, on another device.
            let laptop = Browser(app: app, host: tenant.host)
            #expect(try await laptop.signInStaff(staff.email).header("Location") == "/admin/login/code")
            try await laptop.get("/admin/login/code")
            #expect(
                try await laptop.post("/admin/login/code", ["code": String(format: "%06d", TOTP(secret: secret).compute())]).header("Location")
                    == "/admin")
            #expect(try await laptop.get("/admin").status == .ok)

            let login = try await Browser(app: app, host: tenant.host).get("/admin/login")
            #expect(login.body.contains("href=\"/admin/forgot-password\""))

            let phone = Browser(app: app, host: tenant.host)
            let stranger = "nobody-\(UUID().uuidString.prefix(6).lowercased())@staff.example"
            let known = try await askForReset(phone, email: staff.email.uppercased())
            let unknown = try await askForReset(Browser(app: app, host: tenant.host), email: stranger)
            #expect(known.status == .ok && unknown.status == .ok)
            #expect(
                main(known.body).replacingOccurrences(of: staff.email, with: "X") == main(unknown.body).replacingOccurrences(of: stranger, with: "X"),
                "the answer tells whether the address has a staff account")
            #expect(main(known.body).contains("Check your email"))
            #expect(try await TestMailbox.messages(to: stranger, tenant: tenant.id).isEmpty)

            let mail = try #require(try await TestMailbox.latest(to: staff.email, tenant: tenant.id, kind: "reset_password"))
            #expect(mail.subject == "Reset your Recovery Wireless password")
            #expect(mail.html?.contains(">Choose a new password</a>") == true)
            let path = try await mailedResetPath(to: staff.email, tenant: tenant)
            #expect(mail.link?.hasPrefix("http://\(tenant.host):8080/admin/reset-password?token=") == true)

            let form = try await phone.get(path)
            #expect(form.status == .ok)
            #expect(form.header("Referrer-Policy") == "same-origin")
            #expect(form.body.contains("Choose a new password"))
            let formToken = try #require(phone.csrfToken)
            // Bad input: a clear 422, the link still good.
            let weak = try await phone.post("/admin/reset-password", ["token": token(of: path), "password": "short"])
            #expect(weak.status == .unprocessableContent)
            #expect(weak.body.contains("At least 10 characters") || weak.body.contains("10 characters"))
            let done = try await phone.post("/admin/reset-password", ["token": token(of: path), "password": "a brand new staff passphrase"])
            #expect(done.status == .ok)
            #expect(done.body.contains("Your password is changed"))

            // Every earlier session ended; the old password is gone; two-factor is still asked for.
            #expect(try await laptop.get("/admin").status == .seeOther)
            #expect(try await Browser(app: app, host: tenant.host).signInStaff(staff.email).status == .unauthorized)
            let fresh = Browser(app: app, host: tenant.host)
            #expect(try await fresh.signInStaff(staff.email, password: "a brand new staff passphrase").header("Location") == "/admin/login/code")
            #expect(try await fresh.get("/admin").header("Location")?.hasPrefix("/admin/login") == true)

            // Reused: the same link is dead, on the form and on the post.
            #expect(try await phone.get(path).status == .notFound)
            let reused = try await phone.post(
                "/admin/reset-password", ["token": token(of: path), "password": "yet another passphrase", "csrf_token": formToken])
            #expect(reused.status == .notFound)
            #expect(reused.body.contains("This link is not valid any more"))

            let actions = try await auditActions(tenant)
            #expect(actions.contains("staff.password.reset_requested"))
            #expect(actions.contains("staff.password.reset"))
        }
    }

    @Test("reset links refused alike: unknown, tampered, expired, another tenant's, a subscriber's, and a deactivated account's")
    func badLinks() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let staff = try await tenant.staff(role: .agent)
        let foreign = try await other.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        func issue(_ tenant: TestTenant, staffID: UUID? = nil, customer: Customer? = nil, email: String) async throws -> String {
            let token = UUID().uuidString + UUID().uuidString
            try await tenant.transaction { tx in
                try await AccountTokens.insert(
                    token: token, kind: .resetPassword, email: email, customerID: customer?.id, staffID: staffID,
                    lifetime: .seconds(3600), in: tx)
            }
            return token
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let password = "a perfectly fine passphrase"

            func refused(_ token: String, _ label: String) async throws {
                let form = try await browser.get("/admin/reset-password?token=\(token)")
                #expect(form.status == .notFound, "\(label): form")
                #expect(form.body.contains("This link is not valid any more"), "\(label)")
                try await browser.get("/admin/forgot-password")
                let post = try await browser.post("/admin/reset-password", ["token": token, "password": password])
                #expect(post.status == .notFound, "\(label): post")
            }

            try await refused("", "empty")
            try await refused("not-a-token", "unknown")
            let good = try await issue(tenant, staffID: staff.id, email: staff.email)
            try await refused(good + "x", "tampered")

            let expired = try await issue(tenant, staffID: staff.id, email: staff.email)
            try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = \(AccountTokens.hash(expired))")
            }
            try await refused(expired, "expired")

            // Another tenant's link on this tenant's host, and the other way round.
            let otherTenants = try await issue(other, staffID: foreign.id, email: foreign.email)
            try await refused(otherTenants, "another tenant's")
            #expect(try await Browser(app: app, host: other.host).get("/admin/reset-password?token=\(good)").status == .notFound)

            // A subscriber's reset link is not a staff link, and a staff link is not a subscriber's.
            let subscribers = try await issue(tenant, customer: customer, email: customer.email)
            try await refused(subscribers, "a subscriber's")
            #expect(try await browser.get("/portal/reset-password?token=\(good)").status == .notFound)
            #expect(try await browser.get("/portal/reset-password?token=\(subscribers)").status == .ok)

            // A deactivated account: the link stops working, and asking for one sends nothing.
            let deactivated = try await tenant.staff(role: .technician)
            let before = try await issue(tenant, staffID: deactivated.id, email: deactivated.email)
            try await tenant.transaction { tx in try await Repositories.postgres.staff.setStatus(.deactivated, for: deactivated.id, in: tx) }
            try await refused(before, "a deactivated account's")
            #expect(try await askForReset(Browser(app: app, host: tenant.host), email: deactivated.email).status == .ok)
            #expect(try await TestMailbox.messages(to: deactivated.email, tenant: tenant.id, kind: "reset_password").isEmpty)
            let status = try await tenant.transaction { tx in try await Repositories.postgres.staff.find(id: deactivated.id, in: tx)?.status }
            #expect(status == .deactivated)

            // The good one still works after all that.
            #expect(try await browser.get("/admin/reset-password?token=\(good)").status == .ok)
            #expect(try await browser.post("/admin/reset-password", ["token": good, "password": password]).status == .ok)
            #expect(try await Browser(app: app, host: tenant.host).signInStaff(staff.email, password: password).header("Location") == "/admin")
        }
    }

    @Test("bad input on forgot password: a 422 naming the field; the per-address limit sends nothing more, with the same answer")
    func forgotInputAndLimits() async throws {
        let tenant = try await TestTenant.create()
        let staff = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let invalid = try await askForReset(Browser(app: app, host: tenant.host), email: "not an address")
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.body.contains("Enter the email address of your staff account"))
            for _ in 0..<7 {
                let page = try await askForReset(
                    Browser(app: app, host: tenant.host, peer: "198.51.100.\(Int.random(in: 1...250))"), email: staff.email)
                #expect(page.status == .ok)
                #expect(page.body.contains("Check your email"))
            }
            let sent = try await TestMailbox.messages(to: staff.email, tenant: tenant.id, kind: "reset_password")
            #expect(sent.count == 5, "the per-address limit is 5 an hour")
        }
    }

    // MARK: Operators

    @Test("the operator console issues a set-password link for a tenant's admin: shown once, audited under the operator, works once")
    func operatorConsoleLink() async throws {
        let tenant = try await TestTenant.create(name: "Locked Out Wireless")
        let other = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let agent = try await tenant.staff(role: .agent)
        let foreignAdmin = try await other.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let (console, operatorEmail) = try await OperatorFixture.signedIn(app)
            let page = try await console.get("/operator/tenants/\(tenant.slug)")
            #expect(page.status == .ok)
            #expect(page.body.contains(admin.email))
            #expect(!page.body.contains(agent.email), "only admins are listed")
            #expect(try await console.get("/operator").body.contains("href=\"/operator/tenants/\(tenant.slug)\""))

            let issued = try await console.post("/operator/tenants/\(tenant.slug)/staff-reset-link", ["email": admin.email])
            #expect(issued.status == .ok)
            #expect(issued.header("Referrer-Policy") == "same-origin")
            let link = try #require(Browser.firstMatch(in: issued.body, after: "id=\"issued-link\" type=\"text\" readonly value=\"", until: "\""))
            #expect(link.hasPrefix("http://\(tenant.host):8080/admin/reset-password?token="))
            let path = try #require(URLComponents(string: link)).percentEncodedPath + "?" + (URLComponents(string: link)?.percentEncodedQuery ?? "")

            // Audited in the tenant's log under the operator.
            let event = try await tenant.transaction { tx in
                try await Repositories.postgres.audit.list(AuditFilter(action: "staff.password.reset_link_issued"), limit: 5, offset: 0, in: tx).first
            }
            #expect(event?.actorLabel == operatorEmail)
            #expect(event?.targetId == admin.email)

            let owner = Browser(app: app, host: tenant.host)
            #expect(try await owner.get(path).status == .ok)
            #expect(try await owner.post("/admin/reset-password", ["token": token(of: path), "password": "the admin is back in"]).status == .ok)
            #expect(
                try await Browser(app: app, host: tenant.host).signInStaff(admin.email, password: "the admin is back in").header("Location")
                    == "/admin")
            #expect(try await owner.get(path).status == .notFound)

            // Bad input: not an admin, another tenant's admin, nonsense; an unknown tenant is a 404.
            for (email, label) in [
                (agent.email, "an agent"), (foreignAdmin.email, "another tenant's admin"), ("nope", "not an address"), ("", "empty"),
            ] {
                let refused = try await console.post("/operator/tenants/\(tenant.slug)/staff-reset-link", ["email": email])
                #expect(refused.status == .unprocessableContent, "\(label)")
                #expect(!refused.body.contains("/admin/reset-password?token="), "\(label)")
            }
            #expect(
                try await console.post(
                    "/operator/tenants/no-such-\(UUID().uuidString.prefix(6).lowercased())/staff-reset-link",
                    ["email": admin.email]
                ).status == .notFound)
            #expect(try await console.get("/operator/tenants/no-such-tenant-here").status == .notFound)
            // Nothing was issued for the other tenant's admin, in either tenant.
            let foreignTokens = try await other.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM account_tokens WHERE staff_id = \(foreignAdmin.id)", as: Int.self)
            }
            #expect(foreignTokens == 0)

            // Signed out, or on a tenant host, the routes do not open.
            let stranger = Browser(app: app, host: "operator.localhost")
            #expect(try await stranger.get("/operator/tenants/\(tenant.slug)").status == .seeOther)
            #expect(try await Browser(app: app, host: tenant.host).get("/operator/tenants/\(tenant.slug)").status == .notFound)
        }
    }

    @Test("`portico staff reset-link` prints a link on the tenant's primary domain, audited, for admins only")
    func cliLink() async throws {
        let tenant = try await TestTenant.create(name: "CLI Wireless")
        let admin = try await tenant.staff(role: .admin)
        let technician = try await tenant.staff(role: .technician)
        let database = try await TestCluster.database()
        var configuration = TestApp.configuration()
        configuration.databaseURL = database.appURL
        let environment = CommandEnvironment(configuration: configuration, pool: database.appPool, logger: TestLogging.logger("cli"))

        let output = try await StaffCommands.resetLink(tenant: tenant.slug.uppercased(), email: admin.email.uppercased(), environment: environment)
        let link = try #require(output.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.contains("/admin/reset-password?token=") })
        #expect(link.hasPrefix("http://\(tenant.host):8080/admin/reset-password?token="))
        #expect(output.contains("24 hours"))

        // A second link replaces the first.
        let second = try await StaffCommands.resetLink(tenant: tenant.slug, email: admin.email, environment: environment)
        let secondLink = try #require(
            second.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.contains("/admin/reset-password?token=") })
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            #expect(try await browser.get(String(link.dropFirst("http://\(tenant.host):8080".count))).status == .notFound)
            #expect(try await browser.get(String(secondLink.dropFirst("http://\(tenant.host):8080".count))).status == .ok)
        }
        let events = try await tenant.transaction { tx in
            try await Repositories.postgres.audit.list(AuditFilter(action: "staff.password.reset_link_issued"), limit: 5, offset: 0, in: tx)
        }
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.actorLabel.hasPrefix("portico CLI") && $0.actorKind == "operator" })

        await #expect(throws: AppError.self) {
            try await StaffCommands.resetLink(tenant: tenant.slug, email: technician.email, environment: environment)
        }
        await #expect(throws: AppError.self) {
            try await StaffCommands.resetLink(tenant: "no-such-tenant-x", email: admin.email, environment: environment)
        }
        await #expect(throws: AppError.self) { try await StaffCommands.resetLink(tenant: tenant.slug, email: "bad", environment: environment) }
    }
}
