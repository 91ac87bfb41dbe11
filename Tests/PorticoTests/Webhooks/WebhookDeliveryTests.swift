import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

@Suite("Webhooks out: every event delivered, signed, retried and redelivered")
struct WebhookDeliveryTests: WebhookScenario {
    // MARK: Every event, signed

    @Test("each event kind reaches a loopback receiver, signed with the secret shown once, with the documented payload")
    func everyEvent() async throws {
        let world = try await world()
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            let (id, secret) = try await createEndpoint(console, url: receiver.url)
            #expect(!(try await console.get("/admin/webhooks/\(id)").body.contains(secret)), "the secret is shown once")
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'webhook.created'") == 1)

            // customer.registered, through the registration page.
            let visitor = Browser(app: app, host: world.tenant.host, peer: Self.randomPeer())
            try await visitor.get("/portal/register")
            let registered = try await visitor.post(
                "/portal/register", ["name": "Nia New", "email": "nia@example.net", "password": "a long enough passphrase"])
            #expect(registered.status.code < 400)

            // work_order.created, through the portal.
            let subscriber = try await Self.submitWorkOrder(app, world, title: "Dish loose", description: "Wind moved it")
            // work_order.status_changed, through the console.
            try await console.get("/admin/work-orders/1001")
            #expect(try await console.post("/admin/work-orders/1001/approve", ["version": "1"]).status == .ok)
            // work_order.comment_added, through the portal.
            try await subscriber.get("/portal/work-orders/1001")
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders/1001/comments", ["body": "Still loose today"])))
            // appointment.changed, through the console.
            try await console.get("/admin/appointments/new")
            let booked = try await console.post(
                "/admin/appointments",
                [
                    "account": world.organization.accountNumber, "date": TestDates.day(3),
                    "start": "09:00", "end": "10:00", "work_order": "1001",
                ])
            #expect(booked.status == .seeOther, "\(booked.status) \(booked.body.prefix(300))")
            // customer.deleted, through the console: the login Nia registered above.
            let nia = try #require(
                try await world.tenant.transaction { tx in
                    try await tx.first("SELECT id, organization_id FROM customers WHERE email = 'nia@example.net'")
                })
            let deletion =
                "/admin/customers/\(try nia.decode("organization_id", as: UUID.self).uuidString.lowercased())/members/"
                + "\(try nia.decode("id", as: UUID.self).uuidString.lowercased())/delete"
            try await console.get(deletion)
            #expect(try await console.post(deletion, ["confirm_email": "nia@example.net"]).status == .ok)

            let worker = Self.worker(app, world.tenant)
            try await Self.deliver(worker) { await receiver.received.count >= 6 }
            let received = await receiver.received
            #expect(received.count == 6)
            var byType: [String: (WebhookReceiver.Received, [String: Any])] = [:]
            for request in received {
                let payload = try Self.json(request.body)
                let type = try #require(payload["type"] as? String)
                try Self.verify(request, secret: secret, event: type)
                #expect(payload["tenant"] as? String == world.tenant.slug)
                #expect(UUID(uuidString: payload["id"] as? String ?? "") != nil)
                #expect((payload["created_at"] as? String)?.hasSuffix("Z") == true)
                #expect(Set(payload.keys) == ["id", "type", "created_at", "tenant", "data"])
                byType[type] = (request, try #require(payload["data"] as? [String: Any]))
                // The payload is exactly what OpenAPI/webhooks.json documents for this event.
                let contract = OpenAPIContract.shared
                let schema = try #require(contract.document["webhooks"]?[type]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"])
                let problems = contract.validator.problems(try JSONValue.parse(request.body), against: schema)
                #expect(problems.isEmpty, "\(type): \(problems)")
            }
            #expect(Set(byType.keys) == Set(WebhookEventType.allCases.map(\.rawValue)))

            let customer = try #require(byType["customer.registered"]?.1)
            #expect(customer["email"] as? String == "nia@example.net")
            #expect(customer["name"] as? String == "Nia New")
            #expect(customer.keys.contains("external_id"))
            // The deleted login: ids only, nothing that names the person.
            let deleted = try #require(byType["customer.deleted"])
            #expect(deleted.1["id"] as? String == (try nia.decode("id", as: UUID.self)).uuidString.lowercased())
            #expect(deleted.1.keys.contains("external_id") && deleted.1.keys.contains("organization_external_id"))
            #expect(!deleted.0.body.contains("nia@example.net") && !deleted.0.body.contains("Nia New"))
            let created = try #require(byType["work_order.created"]?.1)
            #expect(created["number"] as? Int == 1001)
            #expect(created["title"] as? String == "Dish loose")
            #expect(created["status"] as? String == "submitted")
            #expect(created["organization_id"] as? String == world.organization.id.uuidString.lowercased())
            #expect(created["previous_status"] == nil)
            let changed = try #require(byType["work_order.status_changed"]?.1)
            #expect(changed["status"] as? String == "approved")
            #expect(changed["previous_status"] as? String == "submitted")
            let comment = try #require(byType["work_order.comment_added"]?.1)
            #expect(comment["work_order_number"] as? Int == 1001)
            #expect(comment["body"] as? String == "Still loose today")
            #expect(comment["author_kind"] as? String == "customer")
            let appointment = try #require(byType["appointment.changed"]?.1)
            #expect(appointment["change"] as? String == "created")
            #expect(appointment["work_order_number"] as? Int == 1001)
            #expect((appointment["starts_at"] as? String)?.hasSuffix(":00Z") == true)

            // Delivery ids are the rows' ids; every row delivered with one logged attempt.
            let ids = Set(received.compactMap { $0.header("Portico-Delivery") })
            #expect(ids.count == 6)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered'") == 6)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_attempts WHERE status_code = 200") == 6)
            let page = try await console.get("/admin/webhooks/\(id)").body
            #expect(page.contains("work_order.status_changed"))
            #expect(page.contains("Delivered"))
        }
    }

    @Test("signature: t=<seconds>,v1=<hex HMAC-SHA256(secret, t.body)>")
    func signature() {
        let secret = String(repeating: "ab", count: 32)
        let header = WebhookDelivery.signature(secret: secret, timestamp: 1_700_000_000, body: "{\"a\":1}")
        let expected = Hex.encode(Digest.hmacSHA256(key: Array(secret.utf8), message: Array("1700000000.{\"a\":1}".utf8)))
        #expect(header == "t=1700000000,v1=\(expected)")
    }

    // MARK: Retries

    @Test("a receiver that fails twice then recovers gets it on the 3rd attempt, with 3 log rows and the same delivery id")
    func retriesThenDelivers() async throws {
        let world = try await world()
        let receiver = try await WebhookReceiver.start(failFirst: 2)
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            let (id, secret) = try await createEndpoint(console, url: receiver.url, events: [.customerRegistered])
            try await Self.register(app, world, name: "Rita Retry", email: "rita@example.net")
            let worker = Self.worker(app, world.tenant)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered'") == 1
            }
            let received = await receiver.received
            #expect(received.count == 3)
            #expect(Set(received.compactMap { $0.header("Portico-Delivery") }).count == 1, "the delivery id is stable across retries")
            #expect(Set(received.map(\.body)).count == 1, "the same payload every time")
            for request in received { try Self.verify(request, secret: secret, event: "customer.registered") }
            let attempts = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT attempt, status_code, error FROM webhook_attempts ORDER BY attempt")
                    .map {
                        (try $0.decode("attempt", as: Int.self), try $0.decode("status_code", as: Int.self), try $0.decode("error", as: String?.self))
                    }
            }
            #expect(attempts.map(\.0) == [1, 2, 3])
            #expect(attempts.map(\.1) == [500, 500, 200])
            #expect(attempts[0].2?.contains("500") == true)
            #expect(attempts[2].2 == nil)
            #expect(try await count(world.tenant, "SELECT attempts FROM webhook_deliveries") == 3)
            let page = try await console.get("/admin/webhooks/\(id)").body
            #expect(page.contains("Attempt 1"))
            #expect(page.contains("Attempt 3"))
            #expect(page.contains("HTTP 500"))
        }
    }

    @Test("a receiver that always fails: dead after N attempts; redelivery from the page sends it again")
    func deadThenRedelivered() async throws {
        let world = try await world()
        let receiver = try await WebhookReceiver.start(alwaysFail: true)
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            let (id, _) = try await createEndpoint(console, url: receiver.url, events: [.customerRegistered])
            try await Self.register(app, world, name: "Dee Dead", email: "dee@example.net")
            let worker = Self.worker(app, world.tenant, maximumAttempts: 4)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'dead'") == 1
            }
            #expect(await receiver.received.count == 4)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_attempts") == 4)
            // Further passes do not try a dead delivery again.
            try await worker.runOnce()
            #expect(await receiver.received.count == 4)
            let page = try await console.get("/admin/webhooks/\(id)").body
            #expect(page.contains("Dead (gave up)"))
            #expect(page.contains("Gave up after 4 attempts"))
            let delivery = try #require(
                try await world.tenant.transaction { tx in try await tx.scalar("SELECT id FROM webhook_deliveries", as: UUID.self) }
            )
            .uuidString.lowercased()

            await receiver.recover()
            let redelivered = try await console.post("/admin/webhooks/\(id)/deliveries/\(delivery)/redeliver")
            #expect(Self.isRedirect(redelivered))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'webhook.redelivered'") == 1)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered'") == 1
            }
            let received = await receiver.received
            #expect(received.count == 5)
            #expect(received.last?.header("Portico-Delivery") == delivery)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_attempts") == 5)

            // A delivered one can be sent again too.
            try await console.get("/admin/webhooks/\(id)")
            #expect(Self.isRedirect(try await console.post("/admin/webhooks/\(id)/deliveries/\(delivery)/redeliver")))
            try await Self.deliver(worker) { await receiver.received.count == 6 }
        }
    }

    @Test("redirects are not followed (a 3xx is a failed attempt), and a huge 2xx answer is read only up to 64 KiB and counts as delivered")
    func redirectsAndLargeAnswers() async throws {
        let world = try await world()
        let target = try await WebhookReceiver.start()
        let redirecting = try await WebhookReceiver.start(redirectTo: target.url)
        let chatty = try await WebhookReceiver.start(largeBody: true)
        defer {
            Task {
                await target.stop(); await redirecting.stop(); await chatty.stop()
            }
        }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            _ = try await createEndpoint(console, url: redirecting.url, events: [.customerRegistered])
            _ = try await createEndpoint(console, url: chatty.url, events: [.customerRegistered])
            try await Self.register(app, world, name: "Reo Redirect", email: "reo@example.net")
            let worker = Self.worker(app, world.tenant, maximumAttempts: 2)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status IN ('dead', 'delivered')") == 2
            }
            #expect(await redirecting.received.count == 2)
            #expect(await target.received.isEmpty, "the redirect was not followed")
            #expect(await chatty.received.count == 1)
            #expect(
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'dead' AND last_status_code = 302") == 1)
            #expect(
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'delivered' AND last_status_code = 200")
                    == 1)
        }
    }
}
