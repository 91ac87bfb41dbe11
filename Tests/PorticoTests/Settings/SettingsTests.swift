import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: tenant settings")
struct SettingsTests {
    struct World {
        let tenant: TestTenant
        let admin: StaffUser
        let organization: Organization
        let customer: Customer
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let (organization, customer) = try await tenant.signInableSubscriber()
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET email_verified_at = now() WHERE id = \(customer.id)")
        }
        return World(tenant: tenant, admin: admin, organization: organization, customer: customer)
    }

    func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        return console
    }

    func count(_ world: World, _ sql: SQL) async throws -> Int {
        try await world.tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) } ?? -1
    }

    func audits(_ world: World, _ action: String) async throws -> Int {
        try await count(world, "SELECT count(*)::int FROM audit_events WHERE action = \(action)")
    }

    func id(_ tenant: TestTenant, _ sql: SQL) async throws -> String {
        let id = try await tenant.transaction { tx in try await tx.scalar(sql, as: UUID.self) }
        return try #require(id).uuidString.lowercased()
    }

    static func isRedirect(_ response: HTTPTestResponse) -> Bool { response.status == .seeOther || response.status == .found }

    /// Saves the security settings through the console form (which answers with a redirect).
    static func saveSecurity(
        _ console: Browser, staffIdleMinutes: String, customerIdleHours: String, rememberMeDays: String, requireStaffTOTP: String
    ) async throws {
        try await console.get("/admin/settings/security")
        #expect(
            isRedirect(
                try await console.post(
                    "/admin/settings/security",
                    [
                        "staff_idle_minutes": staffIdleMinutes, "customer_idle_hours": customerIdleHours,
                        "remember_me_days": rememberMeDays, "require_staff_totp": requireStaffTOTP,
                    ])))
    }

    // MARK: Categories

    @Test("categories: add, validation, rename, reorder; the portal form shows active ones with help text")
    func categories() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            #expect(try await console.get("/admin/settings").body.contains("/admin/settings/categories"))
            try await console.get("/admin/settings/categories")
            let empty = try await console.post("/admin/settings/categories", ["name": "  ", "help_text": "kept"])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.body.contains("Enter a name for the category"))
            #expect(empty.body.contains("href=\"#field-name\""))
            #expect(empty.body.contains(">kept</textarea>"), "typed values are kept")
            let long = try await console.post("/admin/settings/categories", ["name": "Long", "help_text": String(repeating: "h", count: 501)])
            #expect(long.status == .unprocessableContent)
            #expect(long.body.contains("at most 500 characters"))

            for (name, help) in [("No signal", "The antenna shows no link."), ("Slow speed", "Pages load slowly."), ("Billing", "")] {
                try await console.get("/admin/settings/categories")
                #expect(Self.isRedirect(try await console.post("/admin/settings/categories", ["name": name, "help_text": help])))
            }
            try await console.get("/admin/settings/categories")
            let duplicate = try await console.post("/admin/settings/categories", ["name": "Billing"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.body.contains("Another category already has this name"))
            #expect(try await count(world, "SELECT count(*)::int FROM work_order_categories") == 3)

            // Rename and new help text.
            let billing = try await id(world.tenant, "SELECT id FROM work_order_categories WHERE name = 'Billing'")
            let edit = try await console.get("/admin/settings/categories/\(billing)")
            #expect(edit.status == .ok)
            let bad = try await console.post("/admin/settings/categories/\(billing)", ["name": "", "help_text": "x"])
            #expect(bad.status == .unprocessableContent)
            try await console.get("/admin/settings/categories/\(billing)")
            let clash = try await console.post("/admin/settings/categories/\(billing)", ["name": "No signal"])
            #expect(clash.status == .conflict)
            try await console.get("/admin/settings/categories/\(billing)")
            #expect(
                Self.isRedirect(
                    try await console.post(
                        "/admin/settings/categories/\(billing)", ["name": "Billing question", "help_text": "Invoices and payments."])))

            // Reorder: Billing question to the top, one step at a time; moving the first up changes nothing.
            for _ in 0..<3 {
                try await console.get("/admin/settings/categories")
                #expect(Self.isRedirect(try await console.post("/admin/settings/categories/\(billing)/move", ["direction": "up"])))
            }
            try await console.get("/admin/settings/categories")
            #expect(try await console.post("/admin/settings/categories/\(billing)/move", ["direction": "sideways"]).status == .badRequest)
            let order = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT name FROM work_order_categories ORDER BY position").map { try $0.decode(at: 0, as: String.self) }
            }
            #expect(order == ["Billing question", "No signal", "Slow speed"])
            let list = try await console.get("/admin/settings/categories").body
            let first = try #require(list.range(of: "Billing question")).lowerBound
            let second = try #require(list.range(of: "No signal")).lowerBound
            #expect(first < second)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let form = try await subscriber.get("/portal/work-orders/new").body
            #expect(form.contains("Invoices and payments."))
            #expect(form.contains("The antenna shows no link."))
            #expect(try await audits(world, "settings.category_created") == 3)
            #expect(try await audits(world, "settings.category_updated") == 1)
            #expect(try await audits(world, "settings.category_moved") == 3)
        }
    }

    @Test("categories: an inactive one leaves the portal form and is refused on submit; orders keep it; in use means deactivate, not delete")
    func deactivateAndDelete() async throws {
        let world = try await world()
        try await world.tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO work_order_categories (tenant_id, name, help_text, position)
                VALUES (\(tx.tenant), 'Repair', 'Broken things', 0), (\(tx.tenant), 'Relocation', 'Moving house', 1), (\(tx.tenant), 'Unused', '', 2)
                """)
        }
        let repair = try await id(world.tenant, "SELECT id FROM work_order_categories WHERE name = 'Repair'")
        let unused = try await id(world.tenant, "SELECT id FROM work_order_categories WHERE name = 'Unused'")
        try await TestApp.with { (app: TestApp) async throws in
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            try await subscriber.get("/portal/work-orders/new")
            let filed = try await subscriber.post(
                "/portal/work-orders",
                [
                    "title": "Dish loose", "description": "Wind moved it", "category": "Repair",
                    "priority": "normal", "quantity": "1", "action": "submit",
                ])
            #expect(Self.isRedirect(filed))

            let console = try await console(app, world)
            try await console.get("/admin/settings/categories")
            let refused = try await console.post("/admin/settings/categories/\(repair)/delete")
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("cannot be deleted. Deactivate it instead"))
            #expect(try await count(world, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Repair'") == 1)
            try await console.get("/admin/settings/categories")
            #expect(Self.isRedirect(try await console.post("/admin/settings/categories/\(repair)/deactivate")))
            #expect(try await count(world, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Repair' AND NOT active") == 1)

            let form = try await subscriber.get("/portal/work-orders/new").body
            #expect(!form.contains("value=\"Repair\""))
            #expect(!form.contains("Broken things"))
            #expect(form.contains("value=\"Relocation\""))
            let before = try await count(world, "SELECT count(*)::int FROM work_orders")
            let submit = try await subscriber.post(
                "/portal/work-orders",
                [
                    "title": "Again", "description": "More wind", "category": "Repair",
                    "priority": "normal", "quantity": "1", "action": "submit",
                ])
            #expect(submit.status == .unprocessableContent)
            #expect(submit.body.contains("listed categories"))
            #expect(try await count(world, "SELECT count(*)::int FROM work_orders") == before)
            #expect(
                try await count(world, "SELECT count(*)::int FROM work_orders WHERE category = 'Repair'") == 1,
                "the existing order keeps its category")
            #expect(try await subscriber.get("/portal/work-orders/1001").body.contains("Repair"))

            // Reactivated, it is offered again.
            try await console.get("/admin/settings/categories")
            #expect(Self.isRedirect(try await console.post("/admin/settings/categories/\(repair)/reactivate")))
            #expect(try await subscriber.get("/portal/work-orders/new").body.contains("value=\"Repair\""))

            // An unused category can be deleted.
            try await console.get("/admin/settings/categories")
            #expect(Self.isRedirect(try await console.post("/admin/settings/categories/\(unused)/delete")))
            #expect(try await count(world, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Unused'") == 0)
            #expect(try await console.get("/admin/settings/categories/\(unused)").status == .notFound)
            for action in ["settings.category_deactivated", "settings.category_reactivated", "settings.category_deleted"] {
                #expect(try await audits(world, action) == 1, "\(action)")
            }
        }
    }

    // MARK: FAQ

    @Test("FAQ: add, validation, edit, reorder, delete — the support page follows")
    func faq() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get("/admin/settings/faq")
            let bad = try await console.post("/admin/settings/faq", ["question": "", "answer": ""])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Enter the question"))
            #expect(bad.body.contains("Enter the answer"))
            #expect(bad.body.contains("href=\"#field-answer\""))
            let long = try await console.post("/admin/settings/faq", ["question": String(repeating: "q", count: 301), "answer": "a"])
            #expect(long.status == .unprocessableContent)
            #expect(try await count(world, "SELECT count(*)::int FROM faq_entries") == 0)
            for (question, answer) in [("How do I restart my radio?", "Unplug it for 30 seconds."), ("When is the bill due?", "On the 1st.")] {
                try await console.get("/admin/settings/faq")
                #expect(Self.isRedirect(try await console.post("/admin/settings/faq", ["question": question, "answer": answer])))
            }
            let bill = try await id(world.tenant, "SELECT id FROM faq_entries WHERE question LIKE 'When is the bill%'")
            try await console.get("/admin/settings/faq/\(bill)")
            #expect(
                try await console.post("/admin/settings/faq/\(bill)", ["question": "When is the bill due?", "answer": " "]).status
                    == .unprocessableContent)
            try await console.get("/admin/settings/faq/\(bill)")
            #expect(
                Self.isRedirect(
                    try await console.post(
                        "/admin/settings/faq/\(bill)", ["question": "When is the bill due?", "answer": "On the 5th of each month."])))
            try await console.get("/admin/settings/faq")
            #expect(Self.isRedirect(try await console.post("/admin/settings/faq/\(bill)/move", ["direction": "up"])))

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let page = try await subscriber.get("/portal/support").body
            #expect(page.contains("On the 5th of each month."))
            let billAt = try #require(page.range(of: "When is the bill due?")).lowerBound
            let radioAt = try #require(page.range(of: "How do I restart my radio?")).lowerBound
            #expect(billAt < radioAt, "the new order shows on the support page")

            try await console.get("/admin/settings/faq")
            #expect(Self.isRedirect(try await console.post("/admin/settings/faq/\(bill)/delete")))
            #expect(!(try await subscriber.get("/portal/support").body.contains("When is the bill due?")))
            #expect(try await console.get("/admin/settings/faq/\(bill)").status == .notFound)
            for action in ["settings.faq_updated", "settings.faq_moved", "settings.faq_deleted"] {
                #expect(try await audits(world, action) == 1, "\(action)")
            }
            #expect(try await audits(world, "settings.faq_created") == 2)
        }
    }

    // MARK: Notices

    @Test("notices: validation; an active one is on /status and the dashboard; planned, ended and resolved ones are not on the dashboard")
    func notices() async throws {
        let world = try await world()
        func local(_ offset: TimeInterval) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
            return formatter.string(from: Date().addingTimeInterval(offset))
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get("/admin/settings/notices")
            let bad = try await console.post(
                "/admin/settings/notices", ["kind": "meteor", "title": "", "starts_at": local(0), "ends_at": local(-3600)])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Choose outage, maintenance or information"))
            #expect(bad.body.contains("Enter a title"))
            #expect(bad.body.contains("The end must be after the start"))
            let garbled = try await console.post("/admin/settings/notices", ["kind": "outage", "title": "X", "starts_at": "yesterday-ish"])
            #expect(garbled.status == .unprocessableContent)
            #expect(garbled.body.contains("Enter the start as a date and time"))
            #expect(try await count(world, "SELECT count(*)::int FROM service_notices") == 0)

            let notices: [[String: String]] = [
                ["kind": "outage", "title": "Ridge tower down", "body": "Crews on site.", "starts_at": local(-600), "ends_at": ""],
                ["kind": "maintenance", "title": "Planned firmware upgrade", "starts_at": local(2 * 86_400), "ends_at": local(2 * 86_400 + 3600)],
                ["kind": "information", "title": "Old storm notice", "starts_at": local(-3 * 86_400), "ends_at": local(-2 * 86_400)],
            ]
            for fields in notices {
                try await console.get("/admin/settings/notices")
                #expect(Self.isRedirect(try await console.post("/admin/settings/notices", fields)))
            }
            let status = try await app.get("/status", host: world.tenant.host).body
            #expect(status.contains("Ridge tower down"))
            #expect(!status.contains("All systems operating normally"))
            #expect(status.contains("Planned firmware upgrade"))
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let dashboard = try await subscriber.get("/portal").body
            #expect(dashboard.contains("Ridge tower down"))
            #expect(!dashboard.contains("Planned firmware upgrade"), "not before it starts")
            #expect(!dashboard.contains("Old storm notice"), "not after it ends")

            // Edit, then resolve: it leaves the dashboard and the current list, and stays in the history.
            let ridge = try await id(world.tenant, "SELECT id FROM service_notices WHERE title = 'Ridge tower down'")
            try await console.get("/admin/settings/notices/\(ridge)")
            let wrong = try await console.post(
                "/admin/settings/notices/\(ridge)",
                ["kind": "outage", "title": "Ridge tower down", "starts_at": local(-600), "ends_at": local(-1200)])
            #expect(wrong.status == .unprocessableContent)
            try await console.get("/admin/settings/notices/\(ridge)")
            #expect(
                Self.isRedirect(
                    try await console.post(
                        "/admin/settings/notices/\(ridge)",
                        [
                            "kind": "outage", "title": "Ridge tower down (north sector)",
                            "body": "Crews on site.", "starts_at": local(-600),
                        ])))
            #expect(try await subscriber.get("/portal").body.contains("Ridge tower down (north sector)"))
            try await console.get("/admin/settings/notices")
            #expect(Self.isRedirect(try await console.post("/admin/settings/notices/\(ridge)/resolve")))
            try await console.get("/admin/settings/notices")
            #expect(try await console.post("/admin/settings/notices/\(ridge)/resolve").status == .conflict)
            #expect(!(try await subscriber.get("/portal").body.contains("Ridge tower down")))
            let after = try await app.get("/status", host: world.tenant.host).body
            #expect(after.contains("All systems operating normally"))
            #expect(after.contains("Ridge tower down (north sector)"), "resolved notices stay in the history")
            #expect(after.contains("Resolved "))
            #expect(try await audits(world, "settings.notice_created") == 3)
            #expect(try await audits(world, "settings.notice_updated") == 1)
            #expect(try await audits(world, "settings.notice_resolved") == 1)
        }
    }

    // MARK: Session and security

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

    // MARK: Access

    static let readPaths = [
        "/admin/settings", "/admin/settings/categories", "/admin/settings/faq", "/admin/settings/notices", "/admin/settings/security",
    ]

    @Test(
        "role matrix: only admins reach settings; agents and technicians get 403, customers and strangers the sign-in page, another tenant's staff nothing"
    )
    func roleMatrix() async throws {
        let world = try await world()
        let other = try await TestTenant.create()
        let foreignAdmin = try await other.staff(role: .admin)
        let agent = try await world.tenant.staff(role: .agent)
        let technician = try await world.tenant.staff(role: .technician)
        try await world.tenant.transaction { tx in
            try await tx.execute("INSERT INTO work_order_categories (tenant_id, name) VALUES (\(tx.tenant), 'Repair')")
            try await tx.execute("INSERT INTO faq_entries (tenant_id, question, answer) VALUES (\(tx.tenant), 'Q?', 'A.')")
            try await tx.execute("INSERT INTO service_notices (tenant_id, kind, title) VALUES (\(tx.tenant), 'outage', 'Down')")
        }
        let category = try await id(world.tenant, "SELECT id FROM work_order_categories")
        let faq = try await id(world.tenant, "SELECT id FROM faq_entries")
        let notice = try await id(world.tenant, "SELECT id FROM service_notices")
        let reads = Self.readPaths + ["/admin/settings/categories/\(category)", "/admin/settings/faq/\(faq)", "/admin/settings/notices/\(notice)"]
        let writes: [(String, [String: String])] = [
            ("/admin/settings/categories", ["name": "Sneaky"]), ("/admin/settings/categories/\(category)", ["name": "Sneaky"]),
            ("/admin/settings/categories/\(category)/move", ["direction": "down"]), ("/admin/settings/categories/\(category)/deactivate", [:]),
            ("/admin/settings/categories/\(category)/reactivate", [:]), ("/admin/settings/categories/\(category)/delete", [:]),
            ("/admin/settings/faq", ["question": "Sneaky?", "answer": "x"]), ("/admin/settings/faq/\(faq)", ["question": "Sneaky?", "answer": "x"]),
            ("/admin/settings/faq/\(faq)/move", ["direction": "up"]), ("/admin/settings/faq/\(faq)/delete", [:]),
            ("/admin/settings/notices", ["kind": "outage", "title": "Sneaky"]),
            ("/admin/settings/notices/\(notice)", ["kind": "outage", "title": "Sneaky"]),
            ("/admin/settings/notices/\(notice)/resolve", [:]),
            (
                "/admin/settings/security",
                ["staff_idle_minutes": "60", "customer_idle_hours": "72", "remember_me_days": "90", "require_staff_totp": "no"]
            ),
        ]
        func unchanged() async throws {
            #expect(try await count(world, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Repair' AND active") == 1)
            #expect(try await count(world, "SELECT count(*)::int FROM faq_entries WHERE question = 'Q?'") == 1)
            #expect(try await count(world, "SELECT count(*)::int FROM service_notices WHERE title = 'Down' AND resolved_at IS NULL") == 1)
            #expect(try await count(world, "SELECT count(*)::int FROM tenant_settings") == 0)
            #expect(try await count(world, "SELECT count(*)::int FROM audit_events WHERE action LIKE 'settings.%'") == 0)
        }
        try await TestApp.with { (app: TestApp) async throws in
            for (role, staff) in [("agent", agent), ("technician", technician)] {
                let browser = Browser(app: app, host: world.tenant.host)
                try await browser.signInStaff(staff.email)
                for path in reads {
                    let response = try await browser.get(path)
                    #expect(response.status == .forbidden, "\(role) GET \(path)")
                    #expect(response.body.contains("for admins"))
                }
                for (path, fields) in writes {
                    try await browser.get("/admin")
                    #expect(try await browser.post(path, fields).status == .forbidden, "\(role) POST \(path)")
                }
                // Agents and technicians do not see the Settings link.
                #expect(!(try await browser.get("/admin").body.contains("href=\"/admin/settings\"")))
            }
            let customer = Browser(app: app, host: world.tenant.host)
            try await customer.signInCustomer(world.customer.email)
            let anonymous = Browser(app: app, host: world.tenant.host)
            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(foreignAdmin.email)
            let carried = Browser(app: app, host: world.tenant.host)
            carried.setCookie("portico_session", foreign.cookie("portico_session"))
            for (who, browser) in [("customer", customer), ("anonymous", anonymous), ("other tenant's admin", carried)] {
                for path in reads {
                    let response = try await browser.get(path)
                    #expect(response.status == .seeOther, "\(who) GET \(path)")
                    #expect(response.header("Location")?.hasPrefix("/admin/login") == true, "\(who) GET \(path)")
                }
                for (path, fields) in writes {
                    let response = try await browser.post(path, fields)
                    #expect(response.status == .seeOther || response.status == .forbidden, "\(who) POST \(path): \(response.status)")
                }
            }
            try await unchanged()
            // The admin reaches every page, and the nav shows one Settings item instead of Notifications.
            let admin = try await console(app, world)
            for path in reads { #expect(try await admin.get(path).status == .ok, "admin GET \(path)") }
            let home = try await admin.get("/admin").body
            #expect(home.contains("href=\"/admin/settings\""))
            #expect(!home.contains(">Notifications<"))
            #expect(try await admin.get("/admin/settings/notifications").status == .ok)
        }
    }

    @Test("another tenant's category, question and notice ids (and made-up ones) are the same 404 on every route; nothing changes")
    func crossTenant() async throws {
        let mine = try await world()
        let theirs = try await world()
        try await theirs.tenant.transaction { tx in
            try await tx.execute("INSERT INTO work_order_categories (tenant_id, name) VALUES (\(tx.tenant), 'Theirs')")
            try await tx.execute("INSERT INTO faq_entries (tenant_id, question, answer) VALUES (\(tx.tenant), 'Their Q?', 'Their A.')")
            try await tx.execute("INSERT INTO service_notices (tenant_id, kind, title) VALUES (\(tx.tenant), 'outage', 'Their outage')")
        }
        try await mine.tenant.transaction { tx in
            try await tx.execute("INSERT INTO work_order_categories (tenant_id, name) VALUES (\(tx.tenant), 'Mine')")
            try await tx.execute("INSERT INTO faq_entries (tenant_id, question, answer) VALUES (\(tx.tenant), 'My Q?', 'My A.')")
        }
        let category = try await id(theirs.tenant, "SELECT id FROM work_order_categories")
        let faq = try await id(theirs.tenant, "SELECT id FROM faq_entries")
        let notice = try await id(theirs.tenant, "SELECT id FROM service_notices")
        let made = UUID().uuidString.lowercased()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, mine)
            for (section, target) in [
                ("categories", category), ("faq", faq), ("notices", notice), ("categories", made), ("faq", "not-a-uuid"), ("notices", made),
            ] {
                #expect(try await console.get("/admin/settings/\(section)/\(target)").status == .notFound, "GET \(section)/\(target)")
            }
            let posts: [(String, [String: String])] = [
                ("/admin/settings/categories/\(category)", ["name": "Hijacked"]),
                ("/admin/settings/categories/\(category)/move", ["direction": "down"]),
                ("/admin/settings/categories/\(category)/deactivate", [:]), ("/admin/settings/categories/\(category)/reactivate", [:]),
                ("/admin/settings/categories/\(category)/delete", [:]),
                ("/admin/settings/faq/\(faq)", ["question": "Hijacked?", "answer": "x"]), ("/admin/settings/faq/\(faq)/move", ["direction": "up"]),
                ("/admin/settings/faq/\(faq)/delete", [:]),
                ("/admin/settings/notices/\(notice)", ["kind": "information", "title": "Hijacked"]),
                ("/admin/settings/notices/\(notice)/resolve", [:]),
                ("/admin/settings/categories/\(made)/delete", [:]), ("/admin/settings/notices/\(made)/resolve", [:]),
            ]
            for (path, fields) in posts {
                try await console.get("/admin/settings")
                #expect(try await console.post(path, fields).status == .notFound, "POST \(path)")
            }
            #expect(try await count(theirs, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Theirs' AND active") == 1)
            #expect(try await count(theirs, "SELECT count(*)::int FROM faq_entries WHERE question = 'Their Q?'") == 1)
            #expect(try await count(theirs, "SELECT count(*)::int FROM service_notices WHERE title = 'Their outage' AND resolved_at IS NULL") == 1)
            #expect(try await count(mine, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Mine' AND position = 0") == 1)
            #expect(try await count(mine, "SELECT count(*)::int FROM audit_events WHERE action LIKE 'settings.%'") == 0)
            #expect(!(try await console.get("/admin/settings/categories").body.contains("Theirs")))
            #expect(!(try await console.get("/admin/settings/notices").body.contains("Their outage")))
        }
    }
}
