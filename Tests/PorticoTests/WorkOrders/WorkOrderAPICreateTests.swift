import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber API: work orders created, read and listed")
struct WorkOrderAPICreateTests: WorkOrderAPIScenario {
    // MARK: Create and read

    @Test("create a draft, then submit one: 201 with Location and ETag, the same order on GET, history and a 'received' email")
    func createAndRead() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let draft = try await client.post("/api/v1/work-orders", json: ["title": "  Half-written  "])
            #expect(draft.status == .created)
            #expect(draft["status"]?.string == "draft")
            #expect(draft["title"]?.string == "Half-written")
            #expect(draft["service_location"]?.string == "1 Test Lane")
            #expect(draft["editable"]?.bool == true)
            let number = try #require(draft["number"]?.int)
            #expect(draft.header("Location") == "/api/v1/work-orders/\(number)")
            #expect(draft.header("ETag") == "\"\(draft["version"]?.int ?? -1)\"")
            #expect(draft.header("Cache-Control") == "no-store")

            let outboxBefore = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM outbox", as: Int.self) ?? 0 }
            let submitted = try await client.post(
                "/api/v1/work-orders",
                json: [
                    "title": "No signal", "description": "Since the storm.", "priority": "high", "quantity": 2,
                    "preferred_dates": "Mornings", "customer_notes": "Ring twice", "submit": true,
                ])
            #expect(submitted.status == .created)
            #expect(submitted["status"]?.string == "submitted")
            #expect(submitted["priority"]?.string == "high")
            #expect(submitted["quantity"]?.int == 2)
            #expect(submitted["submitted_at"]?.string != nil)
            let second = try #require(submitted["number"]?.int)
            #expect(second == number + 1)
            let outboxAfter = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM outbox", as: Int.self) ?? 0 }
            #expect(outboxAfter > outboxBefore, "submitting sends the 'received' email as the portal does")

            let fetched = try await client.get("/api/v1/work-orders/\(second)")
            #expect(fetched.status == .ok)
            #expect(fetched["title"]?.string == "No signal")
            #expect(fetched["customer_notes"]?.string == "Ring twice")
            #expect(fetched.header("ETag") == "\"\(fetched["version"]?.int ?? -1)\"")
            let history = try await client.get("/api/v1/work-orders/\(second)/history")
            #expect(history["items"]?[0]?["field"]?.string == "status")
            #expect(history["items"]?[0]?["to"]?.string == "submitted")
            #expect(history["items"]?[0]?["actor"]?["name"]?.string == world.customer.name)
        }
    }

    @Test(
        "create: the portal's validation messages as 422 fields, unknown fields 400, wrong type 422, not JSON 415, unverified email 403; nothing written"
    )
    func createValidation() async throws {
        let world = try await Self.world()
        try await world.tenant.transaction { tx in
            try await tx.execute("INSERT INTO work_order_categories (tenant_id, name, help_text) VALUES (\(tx.tenant), 'Repair', 'Broken things')")
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let before = try await Self.snapshot(world.tenant)

            // The app learns the categories it may send (active ones, by name); another tenant's never show.
            let other = try await TestTenant.create()
            try await other.transaction { tx in
                try await tx.execute("INSERT INTO work_order_categories (tenant_id, name) VALUES (\(tx.tenant), 'Foreign')")
            }
            let categories = try await client.get("/api/v1/work-order-categories")
            #expect(categories.status == .ok)
            #expect(categories["items"]?.array?.compactMap { $0["name"]?.string } == ["Repair"])
            #expect(categories["items"]?[0]?["help_text"]?.string == "Broken things")
            #expect(try await client.with(token: nil).get("/api/v1/work-order-categories").status == .unauthorized)

            // Found by the fuzz: a NUL character (which PostgreSQL text cannot hold) is a 422, not a 503.
            let nul = try await client.post("/api/v1/work-orders", json: ["title": "No\u{0}signal"])
            #expect(nul.status == .unprocessableContent)
            #expect(nul.errorFields["title"]?.contains("NUL") == true)
            // Found by the fuzz too: the same character in a search parameter reached the SQL.
            let nulSearch = try await client.get("/api/v1/work-orders?limit=15&q=%C3%92%00x")
            #expect(nulSearch.status == .unprocessableContent)
            #expect(nulSearch.errorCode == "validation_failed")
            #expect(nulSearch.body.contains("NUL character"))

            let empty = try await client.post("/api/v1/work-orders", json: [String: Any]())
            #expect(empty.status == .unprocessableContent)
            #expect(empty.errorCode == "validation_failed")
            #expect(empty.errorFields["title"]?.contains("short title") == true)

            let incomplete = try await client.post("/api/v1/work-orders", json: ["title": "Something", "submit": true])
            #expect(incomplete.status == .unprocessableContent)
            #expect(incomplete.errorFields["description"]?.contains("Describe what needs doing") == true)
            #expect(incomplete.errorFields["category"] == "Choose a category.")

            let badCategory = try await client.post("/api/v1/work-orders", json: ["title": "x", "category": "Plumbing"])
            #expect(badCategory.errorFields["category"] == "Choose one of the listed categories.")

            let badValues = try await client.post("/api/v1/work-orders", json: ["title": "x", "priority": "asap", "quantity": 0])
            #expect(badValues.status == .unprocessableContent)
            #expect(badValues.errorFields["priority"] != nil)
            #expect(badValues.errorFields["quantity"] != nil)

            let wrongType = try await client.post("/api/v1/work-orders", json: ["title": "x", "quantity": "three"])
            #expect(wrongType.status == .unprocessableContent)
            #expect(wrongType.errorFields["quantity"] == "Expected an integer.")

            let unknown = try await client.post("/api/v1/work-orders", json: ["title": "x", "internal_notes": "sneaky", "status": "approved"])
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "unknown_fields")
            #expect(unknown.errorFields["internal_notes"] != nil)
            #expect(unknown.errorFields["status"] != nil)

            let form = try await client.send(.post, "/api/v1/work-orders", body: "title=x", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)

            let tooLong = try await client.post("/api/v1/work-orders", json: ["title": String(repeating: "a", count: 201)])
            #expect(tooLong.errorFields["title"] == "Use at most 200 characters for the title.")

            #expect(try await Self.snapshot(world.tenant) == before)

            // Submitting needs a verified email (a draft does not).
            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE customers SET email_verified_at = NULL WHERE id = \(world.customer.id)")
            }
            let unverified = try await client.post(
                "/api/v1/work-orders", json: ["title": "x", "description": "y", "category": "Repair", "submit": true])
            #expect(unverified.status == .forbidden)
            #expect(unverified.errorCode == "email_not_verified")
            #expect(try await Self.snapshot(world.tenant) == before)
            let draft = try await client.post("/api/v1/work-orders", json: ["title": "x", "description": "y", "category": "Repair"])
            #expect(draft.status == .created)
        }
    }

    // MARK: List

    @Test("the list walks all pages without duplicates, holds only the organization's orders, and filters by status, category, q and updated_since")
    func listAndFilters() async throws {
        let world = try await Self.world()
        let (neighbourOrganization, neighbour) = try await world.tenant.subscriber(name: "Nina Neighbour")
        _ = try await world.tenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: neighbourOrganization.id, title: "Neighbour's", status: .submitted),
                by: Actor(kind: .customer, id: neighbour.id, name: neighbour.name), in: tx)
        }
        var numbers: [Int] = []
        for index in 1...7 {
            let status: WorkOrderStatus = index <= 2 ? .draft : .submitted
            numbers.append(
                try await Self.order(
                    world, title: index == 4 ? "Antenna wobbles" : "Order \(index)", status: status,
                    category: index % 2 == 0 ? "Repair" : "Install"
                ).number)
        }
        try await Self.staffUpdate(world.tenant, number: numbers[6], [.init(.status, "approved")])
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            var seen: [Int] = []
            var path = "/api/v1/work-orders?limit=3"
            var pages = 0
            while true {
                let page = try await client.get(path)
                #expect(page.status == .ok)
                pages += 1
                let items = page["items"]?.array ?? []
                #expect(items.count <= 3)
                seen += items.compactMap { $0["number"]?.int }
                guard let next = page["next_cursor"]?.string else { break }
                path = "/api/v1/work-orders?limit=3&cursor=\(next)"
                if pages > 10 { break }
            }
            #expect(pages == 3)
            #expect(seen.count == 7 && Set(seen) == Set(numbers), "\(seen)")
            #expect(seen.first == numbers[6], "the most recently changed first")

            func listed(_ query: String) async throws -> [Int] {
                let response = try await client.get("/api/v1/work-orders?\(query)")
                #expect(response.status == .ok, "\(query): \(response)")
                return (response["items"]?.array ?? []).compactMap { $0["number"]?.int }
            }
            #expect(Set(try await listed("status=draft")) == Set(numbers[0...1]))
            #expect(Set(try await listed("status=draft,approved")) == Set([numbers[0], numbers[1], numbers[6]]))
            #expect(Set(try await listed("status=draft&status=approved")) == Set([numbers[0], numbers[1], numbers[6]]))
            #expect(Set(try await listed("category=Repair")) == Set([numbers[1], numbers[3], numbers[5]]))
            #expect(try await listed("q=antenna") == [numbers[3]])
            #expect(try await listed("q=%23\(numbers[2])") == [numbers[2]])
            #expect(try await listed("q=Neighbour").isEmpty)
            let future = ISODates.format(Date().addingTimeInterval(3600))
            #expect(try await listed("updated_since=\(future)").isEmpty)
            let past = ISODates.format(Date().addingTimeInterval(-3600))
            #expect(try await listed("updated_since=\(past)&limit=100").count == 7)

            for (query, field) in [
                ("status=open", "status"), ("status=draft,nonsense", "status"), ("updated_since=yesterday", "updated_since"),
                ("limit=0", "limit"), ("limit=101", "limit"), ("cursor=!!!", "cursor"), ("cursor=\(OpaqueCursorForTests.garbage)", "cursor"),
                ("q=\(String(repeating: "a", count: 201))", "q"),
            ] {
                let response = try await client.get("/api/v1/work-orders?\(query)")
                #expect(response.status == .unprocessableContent, "\(query)")
                #expect(response.errorFields[field] != nil, "\(query): \(response)")
            }
        }
    }
}
