import Foundation
import Portico
import PorticoTestSupport
import Testing

@Suite("Staff settings: service notices")
struct NoticeSettingsTests: SettingsScenario {
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
}
