import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The subscriber API's work orders: the portal's rules through another door. Every response
/// is checked against the OpenAPI document by `APIClient`.
@Suite("Subscriber API: work orders")
struct WorkOrderAPITests {
    struct World {
        let tenant: TestTenant
        let organization: Organization
        let customer: Customer
        let token: String
    }

    static func world(name: String = "Wendy API") async throws -> World {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.subscriber(name: name)
        return World(tenant: tenant, organization: organization, customer: customer, token: try await token(tenant, customer))
    }

    static func token(_ tenant: TestTenant, _ customer: Customer) async throws -> String {
        try await tenant.transaction { tx in
            try await Repositories.postgres.apiTokens.issue(customer: customer.id, origin: .init(ip: "192.0.2.1", userAgent: "t"), in: tx)
        }.accessToken
    }

    static func staffActor(_ tenant: TestTenant) async throws -> Actor {
        let staff = try await tenant.staff(role: .agent, name: "Avery Agent")
        return Actor(kind: .staff, id: staff.id, name: staff.displayName)
    }

    /// Moves an order along as staff would, through the repository.
    static func staffUpdate(_ tenant: TestTenant, number: Int, _ changes: [WorkOrderFieldChange]) async throws {
        let actor = try await staffActor(tenant)
        try await tenant.transaction { tx in
            let order = try #require(try await Repositories.postgres.workOrders.find(number: number, organization: nil, in: tx))
            _ = try await Repositories.postgres.workOrders.update(
                order, changes: changes, expectedVersion: order.version, by: actor, reason: "", in: tx)
        }
    }

    static func order(
        _ world: World, title: String, status: WorkOrderStatus = .submitted, category: String = "",
        description: String = "Details"
    ) async throws -> WorkOrder {
        try await world.tenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: world.organization.id, title: title, description: description, category: category, status: status),
                by: Actor(kind: .customer, id: world.customer.id, name: world.customer.name), in: tx)
        }
    }

    /// Everything a request could change in the tenant, to prove that a refused one changed nothing.
    static func snapshot(_ tenant: TestTenant) async throws -> String {
        try await tenant.transaction { tx in
            let orders =
                try await tx.scalar(
                    """
                    SELECT coalesce(string_agg(number || ':' || version || ':' || status || ':' || title, ',' ORDER BY number), '') FROM work_orders
                    """, as: String.self) ?? ""
            let counts =
                try await tx.scalar(
                    """
                    SELECT (SELECT count(*) FROM work_order_changes) || '/' || (SELECT count(*) FROM work_order_comments) || '/'
                           || (SELECT count(*) FROM attachments) || '/' || (SELECT count(*) FROM outbox)
                    """, as: String.self) ?? ""
            return orders + "|" + counts
        }
    }

    static func blobs(_ app: TestApp, _ tenant: TestTenant) -> [String] {
        AttachmentRouteTests.blobs(app, tenant)
    }

    static func upload(
        _ client: APIClient, _ number: Int, files: [(String, String, [UInt8])], comment: String? = nil,
        extra: [(String, String)] = []
    ) async throws -> APIResponse {
        var body = MultipartBody()
        for (name, value) in extra { body.field(name, value) }
        if let comment { body.field("comment", comment) }
        for (name, fileName, bytes) in files { body.file(name, fileName: fileName, bytes) }
        return try await client.send(.post, "/api/v1/work-orders/\(number)/attachments", contentType: body.contentType, bytes: body.finished())
    }

    static func ifMatch(_ version: Int) -> HTTPFields { [.ifMatch: "\"\(version)\""] }

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

    // MARK: Credentials

    @Test("no token, a malformed one, an unknown one, an expired one, a revoked one and another tenant's: 401 and nothing changes")
    func credentials() async throws {
        let world = try await Self.world()
        let other = try await TestTenant.create()
        let (_, stranger) = try await other.subscriber(name: "Olga Other")
        let foreignToken = try await Self.token(other, stranger)
        let expired = try await Self.token(world.tenant, world.customer)
        let revoked = try await Self.token(world.tenant, world.customer)
        _ = try await Self.order(world, title: "Mine")
        try await TestApp.with { (app: TestApp) async throws in
            let good = APIClient(app: app, host: world.tenant.host, token: expired)
            #expect(try await good.get("/api/v1/work-orders").status == .ok)
            // Expire this one token, revoke the family of the other.
            try await world.tenant.transaction { tx in
                let subscriber = try #require(try await Repositories.postgres.apiTokens.authenticate(accessToken: revoked, in: tx))
                try await Repositories.postgres.apiTokens.revokeFamily(subscriber.tokenFamily, in: tx)
                let family = try #require(try await Repositories.postgres.apiTokens.authenticate(accessToken: expired, in: tx)).tokenFamily
                try await tx.execute("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE family_id = \(family)")
            }
            let before = try await Self.snapshot(world.tenant)
            let cases: [(String?, String, String)] = [
                (nil, "missing_credentials", "no token"), ("", "missing_credentials", "empty"),
                ("Basic abc", "malformed_credentials", "basic"), ("Bearer pa_unknown", "invalid_token", "unknown"),
                ("Bearer \(expired)", "invalid_token", "expired"), ("Bearer \(revoked)", "invalid_token", "revoked"),
                ("Bearer \(foreignToken)", "invalid_token", "other tenant"),
            ]
            for (header, code, label) in cases {
                let client = APIClient(app: app, host: world.tenant.host)
                var headers: HTTPFields = [:]
                if let header, !header.isEmpty { headers[.authorization] = header }
                let list = try await client.get("/api/v1/work-orders", headers: headers)
                #expect(list.status == .unauthorized, "\(label)")
                #expect(list.errorCode == code, "\(label)")
                let create = try await client.post("/api/v1/work-orders", json: ["title": "Intruder"], headers: headers)
                #expect(create.status == .unauthorized, "\(label)")
                var patchHeaders = headers
                patchHeaders[.ifMatch] = "\"1\""
                let patch = try await client.patch("/api/v1/work-orders/1001", json: ["title": "Hijacked"], headers: patchHeaders)
                #expect(patch.status == .unauthorized, "\(label)")
                let comment = try await client.post("/api/v1/work-orders/1001/comments", json: ["body": "hi"], headers: headers)
                #expect(comment.status == .unauthorized, "\(label)")
            }
            #expect(try await Self.snapshot(world.tenant) == before)
        }
    }

    // MARK: Isolation

    @Test("another organization's or tenant's numbers and file ids: the same 404 as a missing one on every route, nothing changed")
    func isolation() async throws {
        let world = try await Self.world()
        // Our order is #1003; the other tenant has only a #1001.
        _ = try await Self.order(world, title: "Filler one")
        _ = try await Self.order(world, title: "Filler two")
        let mine = try await Self.order(world, title: "Private order", status: .draft)
        let (file, _) = try await Self.attachInternalAndShared(world, number: mine.number)
        let (_, neighbour) = try await world.tenant.subscriber(name: "Nina Neighbour")
        let neighbourToken = try await Self.token(world.tenant, neighbour)
        let otherTenant = try await TestTenant.create()
        let (strangerOrganization, stranger) = try await otherTenant.subscriber(name: "Frank Foreign")
        let strangerToken = try await Self.token(otherTenant, stranger)
        // The stranger has an order with the same number in their own tenant.
        _ = try await otherTenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: strangerOrganization.id, title: "Theirs", status: .draft),
                by: Actor(kind: .customer, id: stranger.id, name: stranger.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let owner = APIClient(app: app, host: world.tenant.host, token: world.token)
            let missing = try await owner.get("/api/v1/work-orders/999999")
            #expect(missing.status == .notFound)
            let missingMessage = try #require(missing.json?["error"])

            let before = try await Self.snapshot(world.tenant)
            let otherBefore = try await Self.snapshot(otherTenant)
            let neighbourClient = APIClient(app: app, host: world.tenant.host, token: neighbourToken)
            let strangerClient = APIClient(app: app, host: otherTenant.host, token: strangerToken)
            let fileID = file.id.uuidString.lowercased()
            for (client, label, fileNumber) in [(neighbourClient, "other organization", mine.number), (strangerClient, "other tenant", mine.number)] {
                let responses: [(String, APIResponse)] = [
                    ("get", try await client.get("/api/v1/work-orders/\(mine.number)")),
                    (
                        "patch",
                        try await client.patch("/api/v1/work-orders/\(mine.number)", json: ["title": "Hijacked"], headers: Self.ifMatch(mine.version))
                    ),
                    (
                        "cancel",
                        try await client.patch(
                            "/api/v1/work-orders/\(mine.number)", json: ["status": "cancelled", "reason": "x"], headers: Self.ifMatch(mine.version))
                    ),
                    ("history", try await client.get("/api/v1/work-orders/\(mine.number)/history")),
                    ("comment", try await client.post("/api/v1/work-orders/\(mine.number)/comments", json: ["body": "Hello"])),
                    ("attachments", try await client.get("/api/v1/work-orders/\(mine.number)/attachments")),
                    ("upload", try await Self.upload(client, mine.number, files: [("file", "x.jpg", SampleFile.jpeg())])),
                    ("download", try await client.get("/api/v1/work-orders/\(fileNumber)/attachments/\(fileID)")),
                ]
                for (route, response) in responses {
                    #expect(response.status == .notFound, "\(label) \(route): \(response)")
                    #expect(response.errorCode == "not_found", "\(label) \(route)")
                    #expect(!response.body.contains("Private order") && !response.body.contains("site.jpg"), "\(label) \(route)")
                    if route != "download" { #expect(response.json?["error"] == missingMessage, "\(label) \(route)") }
                }
            }
            // Our file id under the stranger's own order number (which exists in their tenant): 404 too.
            #expect(try await strangerClient.get("/api/v1/work-orders/1001/attachments/\(fileID)").status == .notFound)
            #expect(try await Self.snapshot(world.tenant) == before)
            #expect(try await Self.snapshot(otherTenant) == otherBefore)
            #expect(Self.blobs(app, otherTenant).isEmpty)
            // And the owner still sees the order, unchanged.
            let own = try await owner.get("/api/v1/work-orders/\(mine.number)")
            #expect(own["title"]?.string == "Private order")
            // Malformed numbers and ids are the same 404.
            for path in [
                "/api/v1/work-orders/abc", "/api/v1/work-orders/0", "/api/v1/work-orders/-3/history",
                "/api/v1/work-orders/\(mine.number)/attachments/not-a-uuid",
                "/api/v1/work-orders/\(mine.number)/attachments/\(UUID().uuidString.lowercased())",
            ] {
                let response = try await owner.get(path)
                #expect(response.status == .notFound, "\(path)")
            }
        }
    }

    /// A shared file (through the API's own upload in other tests; here straight into the
    /// repository) and an internal one on the order.
    static func attachInternalAndShared(_ world: World, number: Int) async throws -> (shared: AttachmentRecord, internal: AttachmentRecord) {
        let actor = try await staffActor(world.tenant)
        return try await world.tenant.transaction { tx in
            // Seen as its author sees it: the order may be their draft.
            let order = try #require(
                try await Repositories.postgres.workOrders.find(number: number, organization: nil, draftsOf: world.customer.id, in: tx))
            let shared = try await Repositories.postgres.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "site.jpg", contentType: "image/jpeg", sizeBytes: 10, sha256: String(repeating: "a", count: 64),
                    storageKey: "missing\(UUID().uuidString.prefix(8).lowercased())abcdefghijklmnop",
                    uploadedBy: Actor(kind: .customer, id: world.customer.id, name: world.customer.name)), in: tx)
            let hidden = try await Repositories.postgres.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "INTERNAL-quote.pdf", contentType: "application/pdf", sizeBytes: 10,
                    sha256: String(repeating: "b", count: 64), storageKey: "missing\(UUID().uuidString.prefix(8).lowercased())qrstuvwxyzabcdef",
                    uploadedBy: actor, visibility: .internalOnly), in: tx)
            return (shared, hidden)
        }
    }

    // MARK: Update

    @Test("PATCH needs If-Match: missing 400, malformed 400, stale 412 with nothing changed; current applies and returns the next ETag")
    func ifMatch() async throws {
        let world = try await Self.world()
        // Submitted, not a draft: staff change it below, and a draft is its author's alone.
        let order = try await Self.order(world, title: "Original", status: .submitted)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(order.number)"
            let before = try await Self.snapshot(world.tenant)
            let missing = try await client.patch(path, json: ["title": "Changed"])
            #expect(missing.status == .badRequest)
            #expect(missing.errorCode == "if_match_required")
            let malformed = try await client.patch(path, json: ["title": "Changed"], headers: [.ifMatch: "\"abc\""])
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "if_match_invalid")
            let stale = try await client.patch(path, json: ["title": "Changed"], headers: Self.ifMatch(order.version + 5))
            #expect(stale.status == .preconditionFailed)
            #expect(stale.errorCode == "version_mismatch")
            #expect(try await Self.snapshot(world.tenant) == before)

            let changed = try await client.patch(path, json: ["title": "Changed", "quantity": 3], headers: Self.ifMatch(order.version))
            #expect(changed.status == .ok)
            #expect(changed["title"]?.string == "Changed")
            #expect(changed["quantity"]?.int == 3)
            #expect(changed["description"]?.string == "Details", "absent fields stay as they are")
            let version = try #require(changed["version"]?.int)
            #expect(version == order.version + 1)
            #expect(changed.header("ETag") == "\"\(version)\"")

            // Someone else (staff) changes it: the subscriber's old ETag is now stale.
            try await Self.staffUpdate(world.tenant, number: order.number, [.init(.shopNotes, "Checked the mast")])
            let afterStaff = try await Self.snapshot(world.tenant)
            let lost = try await client.patch(path, json: ["title": "Overwrite"], headers: Self.ifMatch(version))
            #expect(lost.status == .preconditionFailed)
            #expect(try await Self.snapshot(world.tenant) == afterStaff)
            let current = try await client.get(path)
            #expect(current["title"]?.string == "Changed")
            #expect(current["shop_notes"]?.string == "Checked the mast")

            // The history records the subscriber's edits.
            let history = try await client.get("\(path)/history")
            let titleChange = history["items"]?.array?.first { $0["field"]?.string == "title" }
            #expect(titleChange?["from"]?.string == "Original")
            #expect(titleChange?["to"]?.string == "Changed")
        }
    }

    @Test("PATCH: submit a draft, validation 422, unknown fields 400, locked 409, cancel with a reason, reopen rules")
    func updateRules() async throws {
        let world = try await Self.world()
        let draft = try await Self.order(world, title: "Draft", status: .draft, description: "")
        let approved = try await Self.order(world, title: "Approved one")
        try await Self.staffUpdate(world.tenant, number: approved.number, [.init(.status, "approved")])
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(draft.number)"
            let before = try await Self.snapshot(world.tenant)

            let incomplete = try await client.patch(path, json: ["status": "submitted"], headers: Self.ifMatch(draft.version))
            #expect(incomplete.status == .unprocessableContent)
            #expect(incomplete.errorFields["description"] != nil)
            let nothing = try await client.patch(path, json: [String: Any](), headers: Self.ifMatch(draft.version))
            #expect(nothing.status == .unprocessableContent)
            let badStatus = try await client.patch(path, json: ["status": "approved"], headers: Self.ifMatch(draft.version))
            #expect(badStatus.status == .unprocessableContent)
            #expect(badStatus.errorFields["status"] != nil)
            let unknown = try await client.patch(path, json: ["title": "x", "shop_notes": "mine now"], headers: Self.ifMatch(draft.version))
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorFields["shop_notes"] != nil)
            let nullTitle = try await client.send(.patch, path, body: "{\"title\": 5}", headers: Self.ifMatch(draft.version))
            #expect(nullTitle.status == .unprocessableContent)
            #expect(nullTitle.errorFields["title"] == "Expected a string.")
            let blank = try await client.patch(path, json: ["title": "   "], headers: Self.ifMatch(draft.version))
            #expect(blank.errorFields["title"]?.contains("short title") == true)
            #expect(try await Self.snapshot(world.tenant) == before)

            let submitted = try await client.patch(
                path, json: ["description": "Finished now", "status": "submitted"], headers: Self.ifMatch(draft.version))
            #expect(submitted.status == .ok)
            #expect(submitted["status"]?.string == "submitted")
            #expect(submitted["description"]?.string == "Finished now")

            // Approved: fields locked, cancel refused; comments stay open.
            let lockedPath = "/api/v1/work-orders/\(approved.number)"
            let current = try await client.get(lockedPath)
            let lockedVersion = try #require(current["version"]?.int)
            #expect(current["editable"]?.bool == false)
            let lockedBefore = try await Self.snapshot(world.tenant)
            let locked = try await client.patch(lockedPath, json: ["title": "Sneaky"], headers: Self.ifMatch(lockedVersion))
            #expect(locked.status == .conflict)
            #expect(locked.errorCode == "work_order_locked")
            let cannotCancel = try await client.patch(
                lockedPath, json: ["status": "cancelled", "reason": "Changed my mind"], headers: Self.ifMatch(lockedVersion))
            #expect(cannotCancel.status == .conflict)
            #expect(cannotCancel.errorCode == "cannot_cancel")
            let cannotReopen = try await client.patch(
                lockedPath, json: ["status": "in_progress", "reason": "Still broken"], headers: Self.ifMatch(lockedVersion))
            #expect(cannotReopen.status == .conflict)
            #expect(cannotReopen.errorCode == "cannot_reopen")
            #expect(try await Self.snapshot(world.tenant) == lockedBefore)
            #expect(try await client.post("\(lockedPath)/comments", json: ["body": "When will you come?"]).status == .created)

            // Cancel the submitted one: a reason is required, and no other fields with it.
            let version = try #require(submitted["version"]?.int)
            let noReason = try await client.patch(path, json: ["status": "cancelled"], headers: Self.ifMatch(version))
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.errorFields["reason"] != nil)
            let mixed = try await client.patch(path, json: ["status": "cancelled", "reason": "x", "title": "y"], headers: Self.ifMatch(version))
            #expect(mixed.status == .unprocessableContent)
            let cancelled = try await client.patch(path, json: ["status": "cancelled", "reason": "Fixed itself"], headers: Self.ifMatch(version))
            #expect(cancelled.status == .ok)
            #expect(cancelled["status"]?.string == "cancelled")
            #expect(cancelled["closed_reason"]?.string == "Fixed itself")
            #expect(cancelled["cancellable"]?.bool == false)

            // Completed recently: reopen.
            try await Self.staffUpdate(world.tenant, number: approved.number, [.init(.status, "completed")])
            let completed = try await client.get(lockedPath)
            #expect(completed["reopenable"]?.bool == true)
            let reopened = try await client.patch(
                lockedPath, json: ["status": "in_progress", "reason": "Still flaky"],
                headers: Self.ifMatch(try #require(completed["version"]?.int)))
            #expect(reopened.status == .ok)
            #expect(reopened["status"]?.string == "in_progress")
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

    // MARK: History and comments

    @Test("history shows status changes and shared comments, never internal notes or comments; a comment is 201 and appears")
    func historyAndComments() async throws {
        let world = try await Self.world()
        let order = try await Self.order(world, title: "Visible")
        let actor = try await Self.staffActor(world.tenant)
        try await world.tenant.transaction { tx in
            let current = try #require(try await Repositories.postgres.workOrders.find(number: order.number, organization: nil, in: tx))
            let updated = try await Repositories.postgres.workOrders.update(
                current, changes: [.init(.internalNotes, "SECRET-INTERNAL-NOTE"), .init(.status, "approved")],
                expectedVersion: current.version, by: actor, reason: "Looks fine", in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(
                to: updated.id, body: "SECRET-INTERNAL-COMMENT", visibility: .internalOnly, by: actor, in: tx)
            _ = try await Repositories.postgres.workOrders.addComment(to: updated.id, body: "Public reply", visibility: .shared, by: actor, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let path = "/api/v1/work-orders/\(order.number)"
            let before = try await Self.snapshot(world.tenant)
            let emptyComment = try await client.post("\(path)/comments", json: ["body": "   "])
            #expect(emptyComment.status == .unprocessableContent)
            #expect(emptyComment.errorFields["body"] != nil)
            let missingBody = try await client.post("\(path)/comments", json: [String: Any]())
            #expect(missingBody.errorFields["body"] == "This field is required.")
            let unknown = try await client.post("\(path)/comments", json: ["body": "x", "visibility": "internal"])
            #expect(unknown.status == .badRequest)
            #expect(try await Self.snapshot(world.tenant) == before)

            let comment = try await client.post("\(path)/comments", json: ["body": "  Thanks!  "])
            #expect(comment.status == .created)
            #expect(comment["body"]?.string == "Thanks!")
            #expect(comment["author"]?["kind"]?.string == "customer")

            let history = try await client.get("\(path)/history")
            #expect(history.status == .ok)
            #expect(!history.body.contains("SECRET"))
            #expect(!history.body.contains("internal_notes"))
            let items = history["items"]?.array ?? []
            let statuses = items.filter { $0["field"]?.string == "status" }.compactMap { $0["to"]?.string }
            #expect(statuses == ["submitted", "approved"])
            #expect(items.first { $0["to"]?.string == "approved" }?["reason"]?.string == "Looks fine")
            #expect(items.first { $0["to"]?.string == "approved" }?["actor"]?["name"]?.string == "Avery Agent")
            let comments = items.filter { $0["type"]?.string == "comment" }.compactMap { $0["body"]?.string }
            #expect(comments == ["Public reply", "Thanks!"])
            #expect(!(try await client.get(path)).body.contains("SECRET"))
        }
    }

    // MARK: Attachments

    @Test("upload a photo and a PDF, list them, download with the portal's headers; internal files never listed nor downloadable")
    func attachments() async throws {
        let world = try await Self.world()
        // Submitted (still open to files), so that staff can approve it below.
        let order = try await Self.order(world, title: "With files", status: .submitted)
        let (_, hidden) = try await Self.attachInternalAndShared(world, number: order.number)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let base = "/api/v1/work-orders/\(order.number)/attachments"
            let photo = SampleFile.jpeg(size: 4000)
            let pdf = SampleFile.pdf()
            let uploaded = try await Self.upload(client, order.number, files: [("file", "dish.jpg", photo), ("file", "invoice.pdf", pdf)])
            #expect(uploaded.status == .created, "\(uploaded)")
            let items = uploaded["items"]?.array ?? []
            #expect(items.compactMap { $0["file_name"]?.string } == ["dish.jpg", "invoice.pdf"])
            #expect(items.first?["size_bytes"]?.int == photo.count)

            let list = try await client.get(base)
            let names = (list["items"]?.array ?? []).compactMap { $0["file_name"]?.string }
            #expect(Set(names) == ["site.jpg", "dish.jpg", "invoice.pdf"])
            #expect(!list.body.contains("INTERNAL"))

            let photoURL = try #require(items.first?["download_url"]?.string)
            let image = try await client.get(photoURL)
            #expect(image.status == .ok)
            #expect(image.bytes == photo)
            #expect(image.header("Content-Type") == "image/jpeg")
            #expect(image.header("X-Content-Type-Options") == "nosniff")
            #expect(image.header("Content-Disposition")?.hasPrefix("inline") == true)
            #expect(image.header("Content-Security-Policy")?.contains("sandbox") == true)
            let document = try await client.get(try #require(items.last?["download_url"]?.string))
            #expect(document.bytes == pdf)
            #expect(document.header("Content-Disposition")?.hasPrefix("attachment") == true)
            #expect(document.header("Content-Disposition")?.contains("invoice.pdf") == true)

            let internalFile = try await client.get("\(base)/\(hidden.id.uuidString.lowercased())")
            #expect(internalFile.status == .notFound)

            // With a comment the files go with it; after approval only that way.
            try await Self.staffUpdate(world.tenant, number: order.number, [.init(.status, "approved")])
            let before = try await Self.snapshot(world.tenant)
            let locked = try await Self.upload(client, order.number, files: [("file", "late.jpg", SampleFile.jpeg())])
            #expect(locked.status == .conflict)
            #expect(try await Self.snapshot(world.tenant) == before)
            let withComment = try await Self.upload(client, order.number, files: [("file", "late.jpg", SampleFile.jpeg())], comment: "One more photo")
            #expect(withComment.status == .created)
            #expect(withComment["items"]?[0]?["comment_id"]?.string != nil)
            let history = try await client.get("/api/v1/work-orders/\(order.number)/history")
            #expect(history.body.contains("One more photo"))
        }
    }

    @Test(
        "uploads refused: too large 413, a disallowed or disguised type 415, not multipart 415, unknown parts 400, no file 422, the 11th file 422; nothing kept"
    )
    func uploadRefusals() async throws {
        let world = try await Self.world()
        let order = try await Self.order(world, title: "Refusals", status: .draft)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let before = try await Self.snapshot(world.tenant)

            let big = try await Self.upload(client, order.number, files: [("file", "huge.jpg", SampleFile.jpeg(size: 16 * 1024 * 1024))])
            #expect(big.status == .contentTooLarge)
            #expect(big.errorCode == "upload_file_too_large")
            let exe = try await Self.upload(
                client, order.number, files: [("file", "setup.exe", Array("MZ\u{90}\u{0}".utf8) + SampleFile.filler(100))])
            #expect(exe.status == .unsupportedMediaType)
            let disguised = try await Self.upload(client, order.number, files: [("file", "photo.jpg", SampleFile.pdf())])
            #expect(disguised.status == .unsupportedMediaType)
            let json = try await client.post("/api/v1/work-orders/\(order.number)/attachments", json: ["file": "x"])
            #expect(json.status == .unsupportedMediaType)
            let unknownPart = try await Self.upload(
                client, order.number, files: [("file", "a.jpg", SampleFile.jpeg())], extra: [("visibility", "internal")])
            #expect(unknownPart.status == .badRequest)
            #expect(unknownPart.errorCode == "unknown_fields")
            let wrongName = try await Self.upload(client, order.number, files: [("attachments", "a.jpg", SampleFile.jpeg())])
            #expect(wrongName.status == .badRequest)
            let none = try await Self.upload(client, order.number, files: [], comment: "Only words")
            #expect(none.status == .unprocessableContent)
            #expect(none.errorFields["file"] != nil)
            #expect(try await Self.snapshot(world.tenant) == before)
            #expect(Self.blobs(app, world.tenant).isEmpty)

            let nine = (1...9).map { ("file", "photo\($0).jpg", SampleFile.jpeg(size: 800)) }
            #expect(try await Self.upload(client, order.number, files: nine).status == .created)
            let two = try await Self.upload(
                client, order.number, files: [("file", "a.jpg", SampleFile.jpeg()), ("file", "b.jpg", SampleFile.jpeg())])
            #expect(two.status == .unprocessableContent)
            #expect(two.errorCode == "too_many_attachments")
            #expect(try await Self.upload(client, order.number, files: [("file", "ten.jpg", SampleFile.jpeg())]).status == .created)
            let eleventh = try await Self.upload(client, order.number, files: [("file", "eleven.jpg", SampleFile.jpeg())])
            #expect(eleventh.status == .unprocessableContent)
            #expect(Self.blobs(app, world.tenant).count == 10)
        }
    }
}

enum OpaqueCursorForTests {
    /// Valid base64url that does not decode to a cursor.
    static let garbage = Data("not a cursor".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
}
