import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

@Suite("Webhooks out: who gets which event, and only for committed changes")
struct WebhookRoutingTests: WebhookScenario {
    // MARK: Who gets what

    @Test("disabled endpoints, unsubscribed events and other tenants' endpoints get nothing")
    func routing() async throws {
        let world = try await world()
        let other = try await self.world()
        let disabledReceiver = try await WebhookReceiver.start()
        let narrowReceiver = try await WebhookReceiver.start()
        let otherReceiver = try await WebhookReceiver.start()
        defer {
            Task {
                await disabledReceiver.stop(); await narrowReceiver.stop(); await otherReceiver.stop()
            }
        }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            let (disabled, _) = try await createEndpoint(console, url: disabledReceiver.url)
            try await console.get("/admin/webhooks/\(disabled)")
            #expect(Self.isRedirect(try await console.post("/admin/webhooks/\(disabled)/disable")))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'webhook.disabled'") == 1)
            let (narrow, _) = try await createEndpoint(console, url: narrowReceiver.url, events: [.customerRegistered])
            let otherConsole = try await self.console(app, other)
            _ = try await createEndpoint(otherConsole, url: otherReceiver.url)

            let subscriber = try await Self.submitWorkOrder(app, world, title: "Noisy", description: "Hum")
            #expect(
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries") == 0,
                "nobody enabled takes work_order.created in this tenant")
            #expect(
                try await count(other.tenant, "SELECT count(*)::int FROM webhook_deliveries") == 0,
                "the other tenant's endpoint hears nothing of this tenant")

            try await Self.register(app, world, name: "Ona Only", email: "ona@example.net")
            let worker = Self.worker(app, world.tenant)
            try await Self.deliver(worker) { await narrowReceiver.received.count == 1 }
            try await Self.worker(app, other.tenant).runOnce()
            try await worker.runOnce()
            #expect(await narrowReceiver.received.first?.header("Portico-Event") == "customer.registered")
            #expect(await disabledReceiver.received.isEmpty)
            #expect(await otherReceiver.received.isEmpty)
            #expect(
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE endpoint_id = \(UUID(uuidString: narrow)!)") == 1)

            // Enabled again, it receives the next events (not the ones it missed).
            try await console.get("/admin/webhooks/\(disabled)")
            #expect(Self.isRedirect(try await console.post("/admin/webhooks/\(disabled)/enable")))
            try await subscriber.get("/portal/work-orders/1001")
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders/1001/comments", ["body": "Hello"])))
            try await Self.deliver(worker) { await disabledReceiver.received.count == 1 }
            #expect(await disabledReceiver.received.first?.header("Portico-Event") == "work_order.comment_added")

            // Deleting removes the endpoint with its deliveries.
            try await console.get("/admin/webhooks/\(disabled)")
            #expect(Self.isRedirect(try await console.post("/admin/webhooks/\(disabled)/delete")))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_endpoints") == 1)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'webhook.deleted'") == 1)
            #expect(try await console.get("/admin/webhooks/\(disabled)").status == .notFound)
        }
    }

    // MARK: Transactions

    @Test("a change that fails (stale version) queues no event; nothing is queued without a committed change")
    func failedChangeQueuesNothing() async throws {
        let world = try await world()
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            _ = try await createEndpoint(console, url: "http://127.0.0.1:9/never", events: [.workOrderStatusChanged, .workOrderCreated])
            _ = try await Self.submitWorkOrder(app, world, title: "Mast", description: "Leaning")
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE event_type = 'work_order.created'") == 1)
            try await console.get("/admin/work-orders/1001")
            let stale = try await console.post("/admin/work-orders/1001/approve", ["version": "7"])
            #expect(stale.status == .conflict)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE event_type = 'work_order.status_changed'") == 0)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM work_orders WHERE status = 'submitted'") == 1)
        }
    }

    @Test("drafts are the subscriber's own: saving, editing or discarding one sends nothing; submitting it is its work_order.created")
    func draftsStayPrivate() async throws {
        let world = try await world()
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            _ = try await createEndpoint(console, url: "http://127.0.0.1:9/never")
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let draft = ["title": "Maybe a second dish", "description": "Thinking about it", "priority": "normal", "quantity": "1", "action": "save"]
            try await subscriber.get("/portal/work-orders/new")
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders", draft)))
            try await subscriber.get("/portal/work-orders/new")
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders", draft)))
            try await subscriber.get("/portal/work-orders/1001/edit")
            var edited = draft
            edited["description"] = "Decided: yes"
            edited["version"] = "1"
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders/1001/edit", edited)))
            try await subscriber.get("/portal/work-orders/1002")
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders/1002/cancel", ["reason": "Never mind", "version": "1"])))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM work_orders WHERE status = 'cancelled'") == 1)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries") == 0)

            try await subscriber.get("/portal/work-orders/1001/edit")
            edited["version"] = "2"
            edited["action"] = "submit"
            #expect(Self.isRedirect(try await subscriber.post("/portal/work-orders/1001/edit", edited)))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries") == 1)
            let payload = try await world.tenant.transaction { tx in
                try await tx.first("SELECT event_type, payload::text AS payload FROM webhook_deliveries")
            }
            #expect(try payload?.decode("event_type", as: String.self) == "work_order.created")
            let text = try #require(try payload?.decode("payload", as: String.self))
            let data = try Self.json(text)["data"] as? [String: Any]
            #expect(data?["number"] as? Int == 1001)
            #expect(data?["status"] as? String == "submitted")
            #expect(data?["previous_status"] == nil)
        }
    }
}
