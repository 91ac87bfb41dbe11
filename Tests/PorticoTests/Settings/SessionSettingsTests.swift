import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff settings: sessions and two-factor")
struct SessionSettingsTests: SettingsScenario {
    @Test("session options: out-of-bounds values are explained and change nothing; valid ones are saved and audited")
    func securityBounds() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let page = try await console.get("/admin/settings/security")
            #expect(page.body.contains("value=\"30\""))
            let cases: [([String: String], String, String)] = [
                (["staff_idle_minutes": "4", "customer_idle_hours": "24", "remember_me_days": "30"], "staff_idle_minutes", "from 5 to 60"),
                (["staff_idle_minutes": "61", "customer_idle_hours": "24", "remember_me_days": "30"], "staff_idle_minutes", "from 5 to 60"),
                (["staff_idle_minutes": "30", "customer_idle_hours": "0", "remember_me_days": "30"], "customer_idle_hours", "from 1 to 72"),
                (["staff_idle_minutes": "30", "customer_idle_hours": "73", "remember_me_days": "30"], "customer_idle_hours", "from 1 to 72"),
                (["staff_idle_minutes": "30", "customer_idle_hours": "24", "remember_me_days": "91"], "remember_me_days", "from 1 to 90"),
                (["staff_idle_minutes": "30", "customer_idle_hours": "24", "remember_me_days": "ten"], "remember_me_days", "from 1 to 90"),
                (
                    ["staff_idle_minutes": "30", "customer_idle_hours": "24", "remember_me_days": "30", "require_staff_totp": "maybe"],
                    "require_staff_totp", "Choose yes or no"
                ),
            ]
            for (fields, field, message) in cases {
                try await console.get("/admin/settings/security")
                let response = try await console.post("/admin/settings/security", fields)
                #expect(response.status == .unprocessableContent, "\(fields)")
                #expect(response.body.contains(message), "\(fields)")
                #expect(response.body.contains("href=\"#field-\(field)\""))
            }
            #expect(
                try await count(world, "SELECT count(*)::int FROM tenant_settings WHERE staff_idle_minutes <> 30 OR customer_idle_hours <> 24") == 0)
            try await console.get("/admin/settings/security")
            let saved = try await console.post(
                "/admin/settings/security",
                ["staff_idle_minutes": "15", "customer_idle_hours": "8", "remember_me_days": "14", "require_staff_totp": "no"])
            #expect(Self.isRedirect(saved))
            #expect(try await console.get("/admin/settings/security").body.contains("value=\"15\""))
            #expect(
                try await count(
                    world,
                    "SELECT count(*)::int FROM tenant_settings WHERE staff_idle_minutes = 15 AND customer_idle_hours = 8 AND remember_me_days = 14")
                    == 1)
            #expect(try await audits(world, "settings.security_changed") == 1)
        }
    }

    @Test("session options take effect: idle longer than the tenant's timeout signs staff and subscribers out; remember-me is cut to its duration")
    func timeoutsTakeEffect() async throws {
        let world = try await world()
        let agent = try await world.tenant.staff(role: .agent)
        func age(_ kind: String, principal: UUID, idle seconds: Int) async throws {
            try await world.tenant.transaction { tx in
                try await tx.execute(
                    """
                    UPDATE sessions SET last_seen_at = now() - make_interval(secs => \(seconds))
                     WHERE principal_kind = \(kind) AND principal_id = \(principal)
                    """)
            }
        }
        try await TestApp.with { (app: TestApp) async throws in
            // With the defaults (30 minutes), six idle minutes are fine.
            let agentBrowser = Browser(app: app, host: world.tenant.host)
            try await agentBrowser.signInStaff(agent.email)
            try await age("staff", principal: agent.id, idle: 6 * 60)
            #expect(try await agentBrowser.get("/admin").status == .ok)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let remembered = Browser(app: app, host: world.tenant.host)
            try await remembered.get("/portal/login")
            try await remembered.post("/portal/login", ["identifier": world.customer.email, "password": TestPasswords.password, "remember": "on"])
            #expect(try await remembered.get("/portal").status == .ok)

            let console = try await console(app, world)
            try await Self.saveSecurity(console, staffIdleMinutes: "5", customerIdleHours: "1", rememberMeDays: "7", requireStaffTOTP: "no")

            // The session opened before the change follows it: six idle minutes are now too many.
            try await age("staff", principal: agent.id, idle: 6 * 60)
            let expired = try await agentBrowser.get("/admin")
            #expect(expired.status == .seeOther)
            #expect(expired.header("Location")?.hasPrefix("/admin/login") == true)
            // A new staff session gets the tenant's timeout; four idle minutes are still fine.
            let again = Browser(app: app, host: world.tenant.host)
            try await again.signInStaff(agent.email)
            #expect(try await count(world, "SELECT min(idle_timeout_seconds)::int FROM sessions WHERE principal_id = \(agent.id)") == 300)
            try await age("staff", principal: agent.id, idle: 4 * 60)
            #expect(try await again.get("/admin").status == .ok)

            // Subscribers: two idle hours exceed one; a remembered device is not affected by that.
            try await world.tenant.transaction { tx in
                try await tx.execute(
                    """
                    UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE principal_kind = 'customer' AND principal_id = \(world.customer.id)
                    """)
            }
            #expect(try await subscriber.get("/portal").header("Location")?.hasPrefix("/portal/login") == true)
            #expect(try await remembered.get("/portal").status == .ok)
            // …but it ends once it is older than the remember-me duration (seven days).
            #expect(
                try await count(
                    world,
                    """
                    SELECT count(*)::int FROM sessions WHERE principal_kind = 'customer' AND remember AND expires_at <= created_at + interval '7 days'
                    """) == 1)
            try await world.tenant.transaction { tx in
                try await tx.execute(
                    """
                    UPDATE sessions SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day'
                     WHERE principal_kind = 'customer' AND remember
                    """)
            }
            #expect(try await remembered.get("/portal").header("Location")?.hasPrefix("/portal/login") == true)
            // A new remembered sign-in lasts the configured seven days.
            let fresh = Browser(app: app, host: world.tenant.host)
            try await fresh.get("/portal/login")
            let signedIn = try await fresh.post(
                "/portal/login", ["identifier": world.customer.email, "password": TestPasswords.password, "remember": "on"])
            #expect(
                signedIn.headers("Set-Cookie").contains { $0.hasPrefix("portico_session=") && $0.contains("Max-Age=604800") },
                "the cookie lasts seven days")
            #expect(
                try await count(
                    world,
                    """
                    SELECT count(*)::int FROM sessions WHERE principal_kind = 'customer' AND remember
                       AND expires_at BETWEEN now() + interval '6 days 23 hours' AND now() + interval '7 days 1 minute'
                    """) == 1)
        }
    }

    @Test("require two-factor for staff: staff without it are sent to enrol before using the console, and cannot turn it off")
    func twoFactorRequired() async throws {
        let world = try await world()
        let agent = try await world.tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await Self.saveSecurity(console, staffIdleMinutes: "30", customerIdleHours: "24", rememberMeDays: "30", requireStaffTOTP: "yes")
            // The admin has no second factor either: the console is closed to them too, apart from enrolment.
            #expect(try await console.get("/admin/settings").header("Location") == "/admin/account")

            let agentBrowser = Browser(app: app, host: world.tenant.host)
            try await agentBrowser.signInStaff(agent.email)
            for path in ["/admin", "/admin/work-orders", "/admin/customers"] {
                let response = try await agentBrowser.get(path)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.header("Location") == "/admin/account", "\(path)")
            }
            let account = try await agentBrowser.get("/admin/account")
            #expect(account.status == .ok)
            #expect(account.body.contains("Two-factor sign-in is required for staff"))
            let blocked = try await agentBrowser.post("/admin/customers", ["name": "Should not exist"])
            #expect(blocked.header("Location") == "/admin/account")
            #expect(try await count(world, "SELECT count(*)::int FROM organizations WHERE name = 'Should not exist'") == 0)

            // Enrol; then the console opens.
            try await agentBrowser.get("/admin/account")
            try await agentBrowser.post("/admin/account/totp/start")
            let secret = try #require(
                try await world.tenant.transaction { tx in
                    try await Repositories.postgres.staff.credentials(id: agent.id, in: tx)?.totpSecret
                })
            let confirmed = try await agentBrowser.post(
                "/admin/account/totp/confirm", ["code": String(format: "%06d", TOTP(secret: secret).compute())])
            #expect(confirmed.body.contains("recovery codes"))
            #expect(try await agentBrowser.get("/admin").status == .ok)
            try await agentBrowser.get("/admin/account")
            let off = try await agentBrowser.post(
                "/admin/account/totp/disable", ["code": String(format: "%06d", TOTP(secret: secret).compute(date: Date().addingTimeInterval(30)))])
            #expect(off.status == .conflict)
            #expect(off.body.contains("cannot be turned off"))
            #expect(try await count(world, "SELECT count(*)::int FROM staff_users WHERE id = \(agent.id) AND totp_enabled_at IS NOT NULL") == 1)
        }
    }
}
