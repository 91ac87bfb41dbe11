import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff settings: work-order categories")
struct CategorySettingsTests: SettingsScenario {
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
}
