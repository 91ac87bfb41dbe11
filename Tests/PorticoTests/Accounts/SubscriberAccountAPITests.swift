import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber API: profile, appointments, tasks, notes, service")
struct SubscriberAccountAPITests {
    /// A signed-in API client for a fresh subscriber.
    static func signedIn(_ app: TestApp, _ tenant: TestTenant, _ customer: Customer) async throws -> APIClient {
        let client = APIClient(app: app, host: tenant.host)
        return client.with(token: try await SubscriberAPITest.login(client, customer.email).accessToken)
    }

    @Test("GET /me shows the subscriber and their account; PUT /me replaces name and phone, validates, refuses email")
    func profile() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Penny Profile")
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, customer)
            let me = try await client.get("/api/v1/me")
            #expect(me.status == .ok)
            #expect(me["id"]?.string == customer.id.uuidString.lowercased())
            #expect(me["name"]?.string == "Penny Profile")
            #expect(me["email_verified"]?.bool == true)
            #expect(me["phone"]?.string == customer.phone)
            #expect(me["role"]?.string == "owner")
            #expect(me["organization"]?["account_number"]?.string == organization.accountNumber)
            #expect(me["organization"]?["id"]?.string == organization.id.uuidString.lowercased())

            let updated = try await client.put("/api/v1/me", json: ["name": "  Penelope Profile ", "phone": ""])
            #expect(updated.status == .ok)
            #expect(updated["name"]?.string == "Penelope Profile")
            #expect(updated["phone"]?.string == "")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "profile.updated") == 1)

            let invalid = try await client.put("/api/v1/me", json: ["name": " ", "phone": String(repeating: "5", count: 41)])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorFields["name"] != nil && invalid.errorFields["phone"] != nil)
            let partial = try await client.put("/api/v1/me", json: ["name": "Only Name"])
            #expect(partial.status == .unprocessableContent)
            #expect(partial.errorFields["phone"] == "This field is required.")
            let email = try await client.put("/api/v1/me", json: ["name": "X", "phone": "", "email": "new@example.net"])
            #expect(email.status == .badRequest)
            #expect(email.errorCode == "unknown_fields")
            #expect(email.errorFields["email"] != nil)
            let text = try await client.send(.put, "/api/v1/me", body: "name=X", contentType: "text/plain")
            #expect(text.status == .unsupportedMediaType)
            let huge = try await client.send(.put, "/api/v1/me", body: "{\"name\": \"\(String(repeating: "n", count: 66_000))\", \"phone\": \"\"}")
            #expect(huge.status == .contentTooLarge)
            let malformed = try await client.send(.put, "/api/v1/me", body: "{\"name\": ")
            #expect(malformed.errorCode == "malformed_json")
            // None of the refused requests changed anything.
            let after = try await client.get("/api/v1/me")
            #expect(after["name"]?.string == "Penelope Profile")
            #expect(after["email"]?.string == customer.email)
        }
    }

    struct AppointmentItem: Decodable {
        let id: String
        let status: String
        let version: Int
        let canConfirm: Bool
        let canReschedule: Bool
    }

    struct Page<Item: Decodable>: Decodable {
        let items: [Item]
        let nextCursor: String?
    }

    /// Walks every page of a list with `limit`.
    static func all<Item: Decodable>(_ client: APIClient, _ path: String, limit: Int, as: Item.Type) async throws -> (items: [Item], pages: Int) {
        var items: [Item] = []
        var cursor: String?
        var pages = 0
        repeat {
            let response = try await client.get("\(path)?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(response.status == .ok, "\(response)")
            let page = try response.decode(Page<Item>.self)
            items += page.items
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 50
        return (items, pages)
    }

    @Test("appointments: upcoming first then past, paged by cursor; confirm and reschedule follow the page's rules (409), audited")
    func appointments() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Abe Appointment")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let now = Date()
        let ids = try await tenant.transaction { tx -> [String: UUID] in
            func make(_ name: String, days: Double, status: AppointmentStatus, technician: UUID? = nil) async throws -> (String, UUID) {
                let start = now.addingTimeInterval(days * 86_400)
                let appointment = try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(7200),
                        technicianId: technician, status: status, address: "1 Test Lane"), in: tx)
                return (name, appointment.id)
            }
            var ids: [String: UUID] = [:]
            for (name, days, status) in [
                ("later", 9.0, AppointmentStatus.confirmed), ("soon", 2.0, .proposed), ("soonest", 1.0, .proposed),
                ("past", -5.0, .completed), ("older", -20.0, .completed), ("cancelled", 4.0, .cancelled),
            ] {
                let (key, id) = try await make(name, days: days, status: status, technician: name == "soon" ? technician.id : nil)
                ids[key] = id
            }
            return ids
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, customer)
            let (items, pages) = try await Self.all(client, "/api/v1/appointments", limit: 2, as: AppointmentItem.self)
            #expect(pages == 3)
            // Upcoming (not ended, not completed or cancelled) soonest first; the rest latest first.
            #expect(items.map(\.id) == ["soonest", "soon", "later", "cancelled", "past", "older"].map { ids[$0]!.uuidString.lowercased() })
            let first = try await client.get("/api/v1/appointments")
            #expect(first["items"]?.array?.count == 6)
            #expect(first["next_cursor"] == .null)
            let soon = first["items"]?.array?.first { $0["id"]?.string == ids["soon"]!.uuidString.lowercased() }
            #expect(soon?["technician"]?.string == "Terry Tech")
            #expect(soon?["can_confirm"]?.bool == true)
            let badCursor = try await client.get("/api/v1/appointments?cursor=bm90LWEta2V5")
            #expect(badCursor.status == .unprocessableContent)
            #expect(badCursor.errorFields["cursor"] != nil)
            #expect(try await client.get("/api/v1/appointments?limit=0").status == .unprocessableContent)

            // Confirm, with and without the version; again → 409.
            let soonest = ids["soonest"]!.uuidString.lowercased()
            let stale = try await client.post("/api/v1/appointments/\(soonest)/confirm", json: ["version": 99])
            #expect(stale.status == .conflict)
            #expect(stale.errorCode == "version_conflict")
            let confirmed = try await client.post("/api/v1/appointments/\(soonest)/confirm", json: ["version": 1])
            #expect(confirmed.status == .ok, "\(confirmed)")
            #expect(confirmed["status"]?.string == "confirmed")
            #expect(confirmed["can_confirm"]?.bool == false)
            let again = try await client.post("/api/v1/appointments/\(soonest)/confirm")
            #expect(again.status == .conflict)
            #expect(again.errorCode == "cannot_confirm")
            let soonID = ids["soon"]!.uuidString.lowercased()
            #expect(try await client.post("/api/v1/appointments/\(soonID)/confirm").status == .ok)
            let extra = try await client.post("/api/v1/appointments/\(soonest)/confirm", json: ["version": 2, "when": "now"])
            #expect(extra.status == .badRequest)

            // Reschedule: validated windows, then the request shows on the appointment.
            let later = ids["later"]!.uuidString.lowercased()
            let start = ISO8601DateFormatter().string(from: now.addingTimeInterval(12 * 86_400))
            let end = ISO8601DateFormatter().string(from: now.addingTimeInterval(12 * 86_400 + 7200))
            let past = ISO8601DateFormatter().string(from: now.addingTimeInterval(-86_400))
            let invalid = try await client.post(
                "/api/v1/appointments/\(later)/reschedule",
                json: [
                    "preferred_times": [["starts_at": past, "ends_at": start], ["starts_at": end, "ends_at": start]]
                ])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorFields["preferred_times.0.starts_at"] != nil)
            #expect(invalid.errorFields["preferred_times.1.ends_at"] != nil)
            let none = try await client.post("/api/v1/appointments/\(later)/reschedule", json: ["preferred_times": [] as [Any]])
            #expect(none.errorFields["preferred_times"] != nil)
            let badDate = try await client.post(
                "/api/v1/appointments/\(later)/reschedule", json: ["preferred_times": [["starts_at": "tomorrow", "ends_at": end]]])
            #expect(badDate.status == .unprocessableContent)
            // A misspelt key inside a window is refused by name, like one at the top level.
            let misspelt = try await client.post(
                "/api/v1/appointments/\(later)/reschedule",
                json: [
                    "preferred_times": [["starts_at": start, "ends_at": end], ["starts_at": start, "ends_at": end, "timezone": "UTC"]]
                ])
            #expect(misspelt.status == .badRequest)
            #expect(misspelt.errorCode == "unknown_fields")
            #expect(misspelt.errorFields["preferred_times.1.timezone"]?.contains("starts_at") == true)
            let moved = try await client.post(
                "/api/v1/appointments/\(later)/reschedule",
                json: [
                    "preferred_times": [["starts_at": start, "ends_at": end]], "note": "Mornings are best",
                ])
            #expect(moved.status == .ok, "\(moved)")
            #expect(moved["status"]?.string == "reschedule_requested")
            #expect(moved["reschedule_request"]?["note"]?.string == "Mornings are best")
            #expect(moved["reschedule_request"]?["preferred_times"]?.array?.first?["starts_at"]?.string == start)
            let cancelled = try await client.post(
                "/api/v1/appointments/\(ids["cancelled"]!.uuidString)/reschedule",
                json: [
                    "preferred_times": [["starts_at": start, "ends_at": end]]
                ])
            #expect(cancelled.status == .conflict)
            #expect(cancelled.errorCode == "cannot_reschedule")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "appointment.confirmed") == 2)
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "appointment.reschedule_requested") == 1)
            #expect(try await client.post("/api/v1/appointments/not-an-id/confirm").status == .notFound)
        }
    }

    struct TaskItemResource: Decodable {
        let id: String
        let title: String
        let status: String
        let dueDate: String?
    }

    @Test("tasks: open first by due date, paged; done once (with a note), again changes nothing; audited")
    func tasks() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Tess Task")
        let ids = try await tenant.transaction { tx in
            var ids: [String] = []
            for (title, due) in [
                ("no date", nil), ("due late", "2030-05-01"), ("due soon", "2030-01-01"), ("also no date", nil), ("finished", "2029-01-01"),
            ] as [(String, String?)] {
                ids.append(
                    try await Repositories.postgres.tasks.create(NewTask(organizationId: organization.id, title: title, dueDate: due), in: tx).id
                        .uuidString.lowercased())
            }
            _ = try await Repositories.postgres.tasks.markDone(UUID(uuidString: ids[4])!, by: nil, note: "", in: tx)
            return ids
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, customer)
            let (items, pages) = try await Self.all(client, "/api/v1/tasks", limit: 2, as: TaskItemResource.self)
            #expect(pages == 3)
            #expect(items.map(\.title).prefix(2) == ["due soon", "due late"])
            #expect(Set(items.map(\.title)[2...3]) == ["no date", "also no date"])
            #expect(items.last?.title == "finished" && items.last?.status == "done")
            #expect(Set(items.map(\.id)) == Set(ids))

            let tooLong = try await client.post("/api/v1/tasks/\(ids[0])/done", json: ["note": String(repeating: "x", count: 2001)])
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.errorFields["note"] != nil)
            let done = try await client.post("/api/v1/tasks/\(ids[0])/done", json: ["note": "Ladder is in the shed"])
            #expect(done.status == .ok)
            #expect(done["status"]?.string == "done")
            #expect(done["done_note"]?.string == "Ladder is in the shed")
            let again = try await client.post("/api/v1/tasks/\(ids[0])/done")
            #expect(again.status == .ok)
            #expect(again["done_note"]?.string == "Ladder is in the shed")
            #expect(try await SubscriberAPITest.auditCount(tenant, action: "task.done") == 1)
            #expect(try await client.post("/api/v1/tasks/\(UUID())/done").status == .notFound)
        }
    }

    @Test("notes: shared ones about the account or this subscriber, newest first and paged; internal ones and other members' never")
    func notes() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Nell Notes")
        let staff = try await tenant.staff(role: .agent, name: "Ana Agent")
        let actor = Actor(kind: .staff, id: staff.id, name: staff.displayName)
        let member = try await tenant.transaction { tx in
            try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, name: "Other Member",
                    email: "member-\(UUID().uuidString.prefix(6).lowercased())@example.net"), in: tx)
        }
        // One transaction each: `created_at` is the transaction's time, and the order is by it.
        let notes: [(UUID?, String, Visibility)] = [
            (nil, "Shared 1", .shared), (nil, "Shared 2", .shared), (nil, "SECRET internal", .internalOnly),
            (nil, "Shared 3", .shared), (member.id, "SECRET other member", .shared), (customer.id, "About you", .shared),
        ]
        for (about, body, visibility) in notes {
            try await tenant.transaction { tx in
                _ = try await Repositories.postgres.notes.create(
                    organization: organization.id, customer: about, body: body, visibility: visibility, author: actor, in: tx)
            }
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, customer)
            struct NoteItem: Decodable { let body: String; let author: String; let aboutYou: Bool }
            let (items, pages) = try await Self.all(client, "/api/v1/notes", limit: 3, as: NoteItem.self)
            #expect(pages == 2)
            #expect(items.map(\.body) == ["About you", "Shared 3", "Shared 2", "Shared 1"])
            #expect(items.first?.aboutYou == true && items.first?.author == "Ana Agent")
            let whole = try await client.get("/api/v1/notes?limit=100")
            #expect(!whole.body.contains("SECRET"))
        }
    }

    @Test("service: plan, status, address, equipment and the notices in effect now")
    func service() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Sal Service")
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                UPDATE organizations SET service_plan = 'Ridge 50/10', service_status = 'active', service_address = '7 Hill Road' WHERE id = \(organization.id)
                """)
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(model: "LiteBeam 5AC", serial: "SN-1", mac: "AA:BB:CC:00:11:22", installedOn: "2026-01-15"),
                to: organization.id, in: tx)
            try await tx.execute(
                """
                INSERT INTO service_notices (tenant_id, kind, title, body, starts_at) VALUES
                  (\(tx.tenant), 'outage', 'Ridge tower down', 'Crews are on site.', now() - interval '1 hour'),
                  (\(tx.tenant), 'maintenance', 'Planned work next month', 'Short outage.', now() + interval '30 days')
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, customer)
            let service = try await client.get("/api/v1/service")
            #expect(service.status == .ok)
            #expect(service["plan"]?.string == "Ridge 50/10")
            #expect(service["status"]?.string == "active")
            #expect(service["service_address"]?.string == "7 Hill Road")
            #expect(service["account_number"]?.string == organization.accountNumber)
            #expect(service["equipment"]?.array?.first?["installed_on"]?.string == "2026-01-15")
            #expect(service["notices"]?.array?.map { $0["title"]?.string } == ["Ridge tower down"])
            #expect(service["notices"]?.array?.first?["ends_at"] == .null)
        }
    }

    /// What another subscriber might have changed.
    static func snapshot(_ tenant: TestTenant) async throws -> String {
        try await tenant.transaction { tx in
            let appointments = try await tx.rows("SELECT id, status, version, reschedule_note FROM appointments ORDER BY id").map {
                "\(try $0.decode("id", as: UUID.self)):\(try $0.decode("status", as: String.self)):\(try $0.decode("version", as: Int.self)):\(try $0.decode("reschedule_note", as: String.self))"
            }
            let tasks = try await tx.rows("SELECT id, status, done_note FROM tasks ORDER BY id").map {
                "\(try $0.decode("id", as: UUID.self)):\(try $0.decode("status", as: String.self)):\(try $0.decode("done_note", as: String.self))"
            }
            return "\(appointments)|\(tasks)"
        }
    }

    @Test("another account's and another tenant's appointment and task ids: the same 404 as a missing id, and nothing changes")
    func isolation() async throws {
        let tenant = try await TestTenant.create()
        let otherTenant = try await TestTenant.create()
        let me = try await PortalIsolationTests.fixture(tenant, name: "Mallory")
        let neighbour = try await PortalIsolationTests.fixture(tenant, name: "Nina")
        let foreign = try await PortalIsolationTests.fixture(otherTenant, name: "Frank")
        try await TestApp.with { (app: TestApp) async throws in
            let client = try await Self.signedIn(app, tenant, me.customer)
            let missingAppointment = try await client.post("/api/v1/appointments/\(UUID())/confirm")
            #expect(missingAppointment.status == .notFound)
            let missingTask = try await client.post("/api/v1/tasks/\(UUID())/done")
            #expect(missingTask.status == .notFound)
            let before = (try await Self.snapshot(tenant), try await Self.snapshot(otherTenant))
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(10 * 86_400))
            let end = ISO8601DateFormatter().string(from: Date().addingTimeInterval(10 * 86_400 + 3600))
            for target in [neighbour, foreign] {
                let appointment = target.appointmentID.uuidString.lowercased()
                let task = target.taskID.uuidString.lowercased()
                let responses = [
                    (try await client.post("/api/v1/appointments/\(appointment)/confirm"), missingAppointment),
                    (try await client.post("/api/v1/appointments/\(appointment)/confirm", json: ["version": 1]), missingAppointment),
                    (
                        try await client.post(
                            "/api/v1/appointments/\(appointment)/reschedule",
                            json: ["preferred_times": [["starts_at": start, "ends_at": end]], "note": "Hijacked"]), missingAppointment
                    ),
                    (try await client.post("/api/v1/tasks/\(task)/done", json: ["note": "Hijacked"]), missingTask),
                    (try await client.post("/api/v1/tasks/\(task)/done"), missingTask),
                ]
                for (response, missing) in responses {
                    #expect(response.status == .notFound)
                    #expect(response.body == missing.body)
                    #expect(!response.body.contains(target.customer.name))
                }
            }
            var lists = try await client.get("/api/v1/appointments").body
            lists += try await client.get("/api/v1/tasks").body
            lists += try await client.get("/api/v1/notes").body
            for target in [neighbour, foreign] {
                #expect(!lists.contains(target.appointmentID.uuidString.lowercased()))
                #expect(!lists.contains(target.taskID.uuidString.lowercased()))
            }
            #expect(lists.contains(me.appointmentID.uuidString.lowercased()))
            let after = (try await Self.snapshot(tenant), try await Self.snapshot(otherTenant))
            #expect(before == after)
        }
    }
}
