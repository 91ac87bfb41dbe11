import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Every portal route that takes a number or an id, tried with another organization's and
/// another tenant's: the same 404 as a missing one, and nothing changes.
@Suite("Portal isolation matrix")
struct PortalIsolationTests {
    struct Fixture {
        let tenant: TestTenant
        let organization: Organization
        let customer: Customer
        let orderNumber: Int
        let appointmentID: UUID
        let taskID: UUID
    }

    static func fixture(_ tenant: TestTenant, name: String) async throws -> Fixture {
        let (organization, customer) = try await tenant.signInableSubscriber(name: name)
        let (number, appointment, task) = try await tenant.transaction { tx in
            let actor = Actor(kind: .customer, id: customer.id, name: customer.name)
            let order = try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: organization.id, title: "\(name)'s order", status: .submitted), by: actor, in: tx)
            let start = Date().addingTimeInterval(3 * 86_400)
            let appointment = try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: organization.id, workOrderId: order.id, kind: .repair, startsAt: start, endsAt: start.addingTimeInterval(3600)),
                in: tx)
            let task = try await Repositories.postgres.tasks.create(NewTask(organizationId: organization.id, title: "\(name)'s task"), in: tx)
            return (order.number, appointment.id, task.id)
        }
        return Fixture(tenant: tenant, organization: organization, customer: customer, orderNumber: number, appointmentID: appointment, taskID: task)
    }

    /// A snapshot of everything the attacker might have changed.
    static func snapshot(_ victim: Fixture) async throws -> String {
        try await victim.tenant.transaction { tx in
            let orders = try await tx.rows("SELECT number, status, version, title FROM work_orders ORDER BY number").map {
                "\(try $0.decode("number", as: Int.self)):\(try $0.decode("status", as: String.self)):\(try $0.decode("version", as: Int.self))"
            }
            let comments = try await tx.scalar("SELECT count(*)::int FROM work_order_comments", as: Int.self) ?? 0
            let appointments = try await tx.rows("SELECT status, version FROM appointments").map {
                "\(try $0.decode("status", as: String.self)):\(try $0.decode("version", as: Int.self))"
            }
            let tasks = try await tx.rows("SELECT status FROM tasks").map { try $0.decode("status", as: String.self) }
            return "\(orders)|\(comments)|\(appointments)|\(tasks)"
        }
    }

    @Test("another organization's and another tenant's numbers and ids: 404 everywhere, and nothing changes")
    func matrix() async throws {
        let tenant = try await TestTenant.create()
        let otherTenant = try await TestTenant.create()
        let me = try await Self.fixture(tenant, name: "Mallory")
        let neighbour = try await Self.fixture(tenant, name: "Nina")  // same tenant, other organization
        let foreign = try await Self.fixture(otherTenant, name: "Frank")  // other tenant
        // The foreign tenant's numbers overlap ours (both start at 1001), so use ids and unknown numbers too.
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(me.customer.email)
            #expect(try await browser.get("/portal/work-orders/\(me.orderNumber)").status == .ok)

            let before = (try await Self.snapshot(neighbour), try await Self.snapshot(foreign))
            for target in [neighbour, foreign] {
                let number = target.orderNumber == me.orderNumber && target.tenant.id == me.tenant.id ? 999_999 : target.orderNumber
                let appointment = target.appointmentID.uuidString.lowercased()
                let task = target.taskID.uuidString.lowercased()
                // For the foreign tenant, its order number exists here too (ours): try a number only it has.
                let numbers = target.tenant.id == tenant.id ? [number] : [999_998]
                for number in numbers {
                    for path in [
                        "/portal/work-orders/\(number)", "/portal/work-orders/\(number)/edit", "/portal/work-orders/\(number)/history",
                        "/portal/work-orders/\(number)/history.csv",
                    ] {
                        let response = try await browser.get(path)
                        #expect(response.status == .notFound, "GET \(path)")
                        #expect(!response.body.contains(target.customer.name))
                    }
                    try await browser.get("/portal")
                    for (path, fields) in [
                        ("/portal/work-orders/\(number)/edit", ["title": "Hijacked", "version": "1", "action": "draft"]),
                        ("/portal/work-orders/\(number)/autosave", ["title": "Hijacked", "version": "1"]),
                        ("/portal/work-orders/\(number)/cancel", ["reason": "Hijacked", "version": "1"]),
                        ("/portal/work-orders/\(number)/reopen", ["reason": "Hijacked", "version": "1"]),
                        ("/portal/work-orders/\(number)/comments", ["body": "Hijacked"]),
                    ] {
                        try await browser.get("/portal")
                        #expect(try await browser.post(path, fields).status == .notFound, "POST \(path)")
                    }
                }
                for path in ["/portal/appointments/\(appointment)", "/portal/appointments/\(appointment).ics"] {
                    #expect(try await browser.get(path).status == .notFound, "GET \(path)")
                }
                for (path, fields) in [
                    ("/portal/appointments/\(appointment)/confirm", ["version": "1"]),
                    ("/portal/appointments/\(appointment)/reschedule", ["version": "1", "date1": "2099-01-01", "start1": "09:00", "end1": "10:00"]),
                    ("/portal/tasks/\(task)/done", ["note": "Hijacked"]),
                ] {
                    try await browser.get("/portal")
                    #expect(try await browser.post(path, fields).status == .notFound, "POST \(path)")
                }
            }
            // Malformed ids and numbers are the same 404.
            for path in ["/portal/work-orders/abc", "/portal/work-orders/-1", "/portal/work-orders/99999999999", "/portal/appointments/not-a-uuid"] {
                #expect(try await browser.get(path).status == .notFound, "GET \(path)")
            }
            #expect(try await Self.snapshot(neighbour) == before.0)
            #expect(try await Self.snapshot(foreign) == before.1)

            // Lists show only our own organization's rows.
            let lists =
                try await browser.get("/portal/work-orders").body + (try await browser.get("/portal/appointments").body)
                + (try await browser.get("/portal/tasks").body)
            #expect(lists.contains("Mallory&#39;s order"))
            #expect(!lists.contains("Nina"))
            #expect(!lists.contains("Frank"))
        }
    }

    @Test("a calendar feed token works only on its tenant's host, and stops when revoked")
    func calendarFeed() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let me = try await Self.fixture(tenant, name: "Cal")
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(me.customer.email)
            try await browser.get("/portal/appointments")
            let page = try await browser.post("/portal/appointments/feed")
            let url = try #require(Browser.firstMatch(in: page.body, after: "<code class=\"break\">", until: "<"))
            let path = try #require(URLComponents(string: url)?.path)
            let feed = try await app.get(path, host: tenant.host)
            #expect(feed.status == .ok)
            #expect(feed.header("Content-Type")?.hasPrefix("text/calendar") == true)
            #expect(feed.body.contains("BEGIN:VEVENT"))
            #expect(feed.body.contains("UID:\(me.appointmentID.uuidString.lowercased())@"))
            #expect(!feed.body.contains("\n") || feed.body.contains("\r\n"))
            #expect(try await app.get(path, host: other.host).status == .notFound)
            try await browser.get("/portal/appointments")
            try await browser.post("/portal/appointments/feed/revoke")
            #expect(try await app.get(path, host: tenant.host).status == .notFound)
        }
    }
}
