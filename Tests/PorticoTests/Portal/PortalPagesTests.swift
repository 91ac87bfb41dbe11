import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Portal appointments, tasks, notes, service, support, status and live updates")
struct PortalPagesTests {
    @Test("confirm a proposed visit; ask to reschedule with up to three windows (bad dates refused); staff hear about it; .ics download")
    func appointments() async throws {
        let tenant = try await TestTenant.create(name: "Visit Wireless")
        _ = try await tenant.staff(role: .agent, email: "desk-\(tenant.slug)@staff.example")
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Ada")
        let id = fixture.appointmentID.uuidString.lowercased()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(fixture.customer.email)
            let page = try await browser.get("/portal/appointments/\(id)")
            #expect(page.body.contains("Confirm this visit"))
            let confirmed = try await browser.post("/portal/appointments/\(id)/confirm", ["version": "1"])
            #expect(confirmed.body.contains("the visit is confirmed"))
            #expect(confirmed.body.contains("badge--confirmed"))
            // A stale confirm (version 1 again) is a clear conflict.
            try await browser.get("/portal/appointments/\(id)")
            #expect(try await browser.post("/portal/appointments/\(id)/confirm", ["version": "1"]).status == .conflict)

            try await browser.get("/portal/appointments/\(id)")
            let bad = try await browser.post(
                "/portal/appointments/\(id)/reschedule", ["version": "2", "date1": "2024-02-30", "start1": "09:00", "end1": "10:00"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Use a date like"))
            try await browser.get("/portal/appointments/\(id)")
            let backwards = try await browser.post(
                "/portal/appointments/\(id)/reschedule", ["version": "2", "date1": "2099-06-01", "start1": "12:00", "end1": "09:00"])
            #expect(backwards.body.contains("The end must be after the start"))
            try await browser.get("/portal/appointments/\(id)")
            let asked = try await browser.post(
                "/portal/appointments/\(id)/reschedule",
                [
                    "version": "2", "date1": "2099-06-01", "start1": "09:00", "end1": "12:00", "date2": "2099-06-02", "start2": "13:00",
                    "end2": "15:00",
                    "note": "Mornings are best",
                ])
            #expect(asked.body.contains("Your request is sent"))
            #expect(asked.body.contains("Mon 1 Jun 2099, 09:00–12:00 GMT"))
            #expect(
                try await TestMailbox.latest(to: "desk-\(tenant.slug)@staff.example", tenant: tenant.id, kind: "staff_notice")?.text.contains(
                    "Mornings are best") == true)

            let ics = try await browser.get("/portal/appointments/\(id).ics")
            #expect(ics.header("Content-Type")?.hasPrefix("text/calendar") == true)
            #expect(ics.body.hasPrefix("BEGIN:VCALENDAR\r\n"))
            #expect(ics.body.contains("SUMMARY:Repair visit — Visit Wireless"))
            #expect(ics.body.contains("STATUS:TENTATIVE"))
            #expect(ics.body.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        }
    }

    @Test("mark a task done with a note; only this organization's shared notes show; service and support pages")
    func tasksNotesServiceSupport() async throws {
        let tenant = try await TestTenant.create()
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Tess")
        try await tenant.transaction { tx in
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(model: "LiteBeam 5AC", serial: "SN42", mac: "00:27:22:aa:bb:cc", installedOn: "2024-03-01"),
                to: fixture.organization.id, in: tx)
            try await tx.execute(
                "INSERT INTO faq_entries (tenant_id, question, answer) VALUES (\(tx.tenant), 'How do I restart?', 'Unplug the antenna for 30 seconds.'), (\(tx.tenant), 'Billing?', 'Call us.')"
            )
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(fixture.customer.email)
            try await browser.get("/portal/tasks")
            let done = try await browser.post("/portal/tasks/\(fixture.taskID.uuidString.lowercased())/done", ["note": "Hatch unlocked"])
            #expect(done.body.contains("marked as done"))
            #expect(done.body.contains("Hatch unlocked"))
            let service = try await browser.get("/portal/service")
            #expect(service.body.contains("LiteBeam 5AC"))
            #expect(service.body.contains("00:27:22:aa:bb:cc"))
            let support = try await browser.get("/portal/support?q=restart")
            #expect(support.body.contains("How do I restart?"))
            #expect(!support.body.contains("Billing?"))
            // A NUL character in a search (PostgreSQL text cannot hold it) is the subscriber's to fix.
            for path in ["/portal/support?q=re%00start", "/portal/work-orders?q=%00"] {
                let nul = try await browser.get(path)
                #expect(nul.status == .unprocessableContent, "\(path)")
                #expect(nul.body.contains("NUL character"), "\(path)")
            }
            #expect(try await browser.get("/portal/notes").body.contains("No notes yet"))
        }
    }

    @Test("the public status page shows current and past notices; the dashboard shows a banner while an outage lasts")
    func statusAndBanner() async throws {
        let tenant = try await TestTenant.create()
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Stan")
        try await TestApp.with { (app: TestApp) async throws in
            #expect(try await app.get("/status", host: tenant.host).body.contains("All systems operating normally"))
            try await tenant.transaction { tx in
                try await tx.execute(
                    "INSERT INTO service_notices (tenant_id, kind, title, body) VALUES (\(tx.tenant), 'outage', 'Ridge tower down', 'Crews on site.')"
                )
            }
            let status = try await app.get("/status", host: tenant.host)
            #expect(status.status == .ok)
            #expect(status.body.contains("Ridge tower down"))
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(fixture.customer.email)
            #expect(try await browser.get("/portal").body.contains("Ridge tower down"))
        }
    }

    @Test("the live-update stream pushes a change made through another connection, and not other organizations' changes")
    func liveUpdates() async throws {
        let tenant = try await TestTenant.create()
        let me = try await PortalIsolationTests.fixture(tenant, name: "Liv")
        let neighbour = try await PortalIsolationTests.fixture(tenant, name: "Ned")
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(me.customer.email)
            let cookie = try #require(browser.cookie("portico_session"))
            let collector = StreamCollector()
            let stream = Task {
                _ = try? await app.stream(
                    .get, "/portal/events?work_order=\(me.orderNumber)", host: tenant.host,
                    headers: [.cookie: "portico_session=\(cookie)"], into: collector)
            }
            // The stream subscribes before it writes its first line.
            try await eventually(timeout: .seconds(20)) { collector.text.contains(": connected") }
            // A neighbour's change must not arrive…
            try await neighbour.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET progress = 10 WHERE number = \(neighbour.orderNumber)")
            }
            // …ours must, through another connection (the shared test pool, not the app's).
            try await me.tenant.transaction { tx in try await tx.execute("UPDATE work_orders SET progress = 55 WHERE number = \(me.orderNumber)") }
            // Pushed by NOTIFY (the stream never polls; its only other output is a 15 s heartbeat).
            // How fast is a benchmark's question, not a test's: a loaded CI machine took 3 s.
            try await eventually(timeout: .seconds(10)) { collector.text.contains("event: update") }
            #expect(collector.text.contains("\"number\":\(me.orderNumber)"))
            #expect(!collector.text.contains("\"number\":\(neighbour.orderNumber)") || neighbour.orderNumber == me.orderNumber)
            stream.cancel()
        }
    }
}
