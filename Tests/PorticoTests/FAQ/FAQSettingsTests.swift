import Portico
import PorticoTestSupport
import Testing

@Suite("Staff settings: FAQ")
struct FAQSettingsTests: SettingsScenario {
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
}
