import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff settings: who may use them, and other tenants kept out")
struct SettingsAccessTests: SettingsScenario {

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
