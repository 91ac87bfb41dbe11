import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

@Suite("Webhooks out")
struct WebhookTests {
    struct World {
        let tenant: TestTenant
        let admin: StaffUser
        let agent: StaffUser
        let technician: StaffUser
        let organization: Organization
        let customer: Customer
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let staff = try await tenant.staffCast()
        let (organization, customer) = try await tenant.signInableSubscriber()
        return World(
            tenant: tenant, admin: staff.admin, agent: staff.agent, technician: staff.technician, organization: organization, customer: customer)
    }

    /// Tests and the demo allow http:// and loopback receivers.
    static var permissive: AppConfiguration {
        var configuration = TestApp.configuration()
        configuration.webhooksAllowHTTP = true
        configuration.webhooksAllowPrivate = true
        return configuration
    }

    /// A worker for one tenant's deliveries, with a ~100 ms back-off.
    static func worker(_ app: TestApp, _ tenant: TestTenant, maximumAttempts: Int = 8, allowPrivate: Bool = true) -> WebhookDelivery {
        var policy = WebhookDelivery.Policy()
        policy.schedule = [.milliseconds(100)]
        policy.jitter = 0
        policy.maximumAttempts = maximumAttempts
        policy.allowHTTP = true
        policy.allowPrivate = allowPrivate
        policy.tenant = tenant.id
        return WebhookDelivery(pool: app.dependencies.pool, policy: policy, logger: app.dependencies.logger)
    }

    /// Runs the worker until `condition` holds.
    static func deliver(_ worker: WebhookDelivery, until condition: () async throws -> Bool) async throws {
        try await eventually(timeout: .seconds(60)) {
            try await worker.runOnce()
            return try await condition()
        }
    }

    func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        return console
    }

    func count(_ tenant: TestTenant, _ sql: SQL) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) } ?? -1
    }

    static func isRedirect(_ response: HTTPTestResponse) -> Bool { response.status == .seeOther || response.status == .found }

    /// The world's subscriber, signed in, submits a work order through the portal; returns
    /// their browser.
    static func submitWorkOrder(_ app: TestApp, _ world: World, title: String, description: String) async throws -> Browser {
        let subscriber = Browser(app: app, host: world.tenant.host)
        try await subscriber.signInCustomer(world.customer.email)
        try await subscriber.get("/portal/work-orders/new")
        #expect(
            isRedirect(
                try await subscriber.post(
                    "/portal/work-orders",
                    ["title": title, "description": description, "priority": "normal", "quantity": "1", "action": "submit"])))
        return subscriber
    }

    /// Creates an endpoint through the page; returns its id and the secret the page showed.
    func createEndpoint(
        _ console: Browser, url: String, events: [WebhookEventType] = WebhookEventType.allCases,
        description: String = "Billing"
    ) async throws -> (id: String, secret: String) {
        try await console.get("/admin/webhooks")
        var fields = ["url": url, "description": description]
        for event in events { fields[event.formField] = "on" }
        let page = try await console.post("/admin/webhooks", fields)
        #expect(page.status == .ok, "\(page.body.prefix(500))")
        let secret = try #require(Browser.firstMatch(in: page.body, after: "data-webhook-secret>", until: "<"))
        let id = try #require(Browser.firstMatch(in: page.body, after: "action=\"/admin/webhooks/", until: "/"))
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        return (id, secret)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Checks the headers and the signature as a receiver would.
    static func verify(_ request: WebhookReceiver.Received, secret: String, event: String) throws {
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("User-Agent") == "Portico-Webhooks/1")
        #expect(request.header("Portico-Event") == event)
        let delivery = try #require(request.header("Portico-Delivery"))
        #expect(UUID(uuidString: delivery) != nil)
        let signature = try #require(request.header("Portico-Signature"))
        let parts = Dictionary(
            uniqueKeysWithValues: signature.split(separator: ",").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            })
        let timestamp = try #require(parts["t"])
        let expected = Hex.encode(Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).\(request.body)".utf8)))
        #expect(Digest.constantTimeEquals(expected, parts["v1"] ?? ""), "signature verifies with the secret the page showed")
        let otherSecret = (secret.first == "0" ? "1" : "0") + secret.dropFirst()
        let wrong = Hex.encode(Digest.hmacSHA256(key: Array(otherSecret.utf8), message: Array("\(timestamp).\(request.body)".utf8)))
        #expect(wrong != parts["v1"])
        let age = abs(Date().timeIntervalSince1970 - (Double(timestamp) ?? 0))
        #expect(age < 600, "the timestamp is the current time")
    }

    /// Registration is rate-limited per IP across tenants: each visitor gets an address of its own.
    static func randomPeer() -> String { "198.51.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))" }

    /// A visitor signs up on the tenant's portal: the `customer.registered` event most tests deliver.
    static func register(_ app: TestApp, _ world: World, name: String, email: String) async throws {
        let visitor = Browser(app: app, host: world.tenant.host, peer: randomPeer())
        try await visitor.get("/portal/register")
        let response = try await visitor.post("/portal/register", ["name": name, "email": email, "password": "a long enough passphrase"])
        #expect(response.status.code < 400)
    }

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

    // MARK: Access

    @Test("admins only; other tenants' endpoint and delivery ids are a 404 that changes nothing")
    func access() async throws {
        let world = try await world()
        let other = try await self.world()
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            let (id, secret) = try await createEndpoint(console, url: receiver.url, events: [.customerRegistered])
            try await Self.register(app, world, name: "Al Access", email: "al@example.net")
            let delivery = try #require(
                try await world.tenant.transaction { tx in try await tx.scalar("SELECT id FROM webhook_deliveries", as: UUID.self) }
            )
            .uuidString.lowercased()
            let reads = ["/admin/webhooks", "/admin/webhooks/\(id)"]
            let writes = [
                "/admin/webhooks", "/admin/webhooks/\(id)/disable", "/admin/webhooks/\(id)/enable", "/admin/webhooks/\(id)/rotate-secret",
                "/admin/webhooks/\(id)/delete", "/admin/webhooks/\(id)/deliveries/\(delivery)/redeliver",
            ]
            func unchanged() async throws {
                let row = try await world.tenant.transaction { tx in
                    try await tx.first("SELECT secret, enabled FROM webhook_endpoints WHERE id = \(UUID(uuidString: id)!)")
                }
                #expect(try row?.decode("secret", as: String.self) == secret)
                #expect(try row?.decode("enabled", as: Bool.self) == true)
                #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'queued' AND attempts = 0") == 1)
                #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_endpoints") == 1)
                #expect(
                    try await count(
                        world.tenant,
                        "SELECT count(*)::int FROM audit_events WHERE action LIKE 'webhook.%' AND action NOT IN ('webhook.created', 'webhook.deleted')"
                    ) == 0)
            }
            for (role, staff) in [("agent", world.agent), ("technician", world.technician)] {
                let browser = Browser(app: app, host: world.tenant.host)
                try await browser.signInStaff(staff.email)
                for path in reads {
                    let response = try await browser.get(path)
                    #expect(response.status == .forbidden, "\(role) GET \(path)")
                    #expect(!response.body.contains(receiver.url))
                }
                for path in writes {
                    try await browser.get("/admin")
                    #expect(
                        try await browser.post(path, ["url": "http://127.0.0.1:9/x", "event_customer_registered": "on"]).status == .forbidden,
                        "\(role) POST \(path)")
                }
            }
            let customer = Browser(app: app, host: world.tenant.host)
            try await customer.signInCustomer(world.customer.email)
            let anonymous = Browser(app: app, host: world.tenant.host)
            for (who, browser) in [("customer", customer), ("anonymous", anonymous)] {
                for path in reads {
                    let response = try await browser.get(path)
                    #expect(response.status == .seeOther, "\(who) GET \(path)")
                    #expect(response.header("Location")?.hasPrefix("/admin/login") == true)
                }
                for path in writes {
                    let response = try await browser.post(path, ["url": "http://127.0.0.1:9/x", "event_customer_registered": "on"])
                    #expect(response.status == .seeOther || response.status == .forbidden, "\(who) POST \(path): \(response.status)")
                }
            }
            try await unchanged()

            // The other tenant's admin, on their own host, with this tenant's ids.
            let foreign = try await self.console(app, other)
            #expect(try await foreign.get("/admin/webhooks/\(id)").status == .notFound)
            for path in writes.dropFirst() {
                try await foreign.get("/admin/webhooks")
                let response = try await foreign.post(path)
                #expect(response.status == .notFound, "other tenant POST \(path): \(response.status)")
            }
            // Their own endpoint with this tenant's delivery id: the same 404.
            let (theirs, _) = try await createEndpoint(foreign, url: receiver.url)
            try await foreign.get("/admin/webhooks/\(theirs)")
            #expect(try await foreign.post("/admin/webhooks/\(theirs)/deliveries/\(delivery)/redeliver").status == .notFound)
            // And this tenant's admin, with a delivery id under the wrong endpoint, or a missing or malformed id.
            try await console.get("/admin/webhooks")
            let (second, _) = try await createEndpoint(console, url: receiver.url, events: [.appointmentChanged])
            try await console.get("/admin/webhooks/\(second)")
            #expect(try await console.post("/admin/webhooks/\(second)/deliveries/\(delivery)/redeliver").status == .notFound)
            #expect(try await console.get("/admin/webhooks/\(UUID().uuidString.lowercased())").status == .notFound)
            #expect(try await console.get("/admin/webhooks/not-a-uuid").status == .notFound)
            try await console.get("/admin/webhooks")
            #expect(try await console.post("/admin/webhooks/\(second)/delete").status == .seeOther)
            try await unchanged()

            // The admin rotates the secret: shown once, different, audited.
            try await console.get("/admin/webhooks/\(id)")
            let rotated = try await console.post("/admin/webhooks/\(id)/rotate-secret")
            let fresh = try #require(Browser.firstMatch(in: rotated.body, after: "data-webhook-secret>", until: "<"))
            #expect(fresh != secret && fresh.count == 64)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'webhook.secret_rotated'") == 1)
            // The Settings page links here.
            #expect(try await console.get("/admin/settings").body.contains("href=\"/admin/webhooks\""))
        }
    }

    // MARK: URL rules and SSRF

    @Test("URL rules: https only unless allowed, no credentials, fragments, other schemes, over-long URLs or private hosts")
    func urlValidation() async throws {
        let world = try await world()
        // The production defaults: https only, public addresses only.
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let cases: [(String, String)] = [
                ("", "Enter the URL"),
                ("http://hooks.example.net/x", "Use an https:// URL"),
                ("ftp://hooks.example.net/x", "ftp:// is not supported"),
                ("https://user:pass@hooks.example.net/x", "Remove the user name and password"),
                ("https://hooks.example.net/x#part", "Remove the #fragment"),
                ("https://hooks.example.net/" + String(repeating: "a", count: 2000), "at most 2,000 characters"),
                ("https://hooks.example.net/a b", "spaces"),
                ("https://127.0.0.1/x", "Use a public host"),
                ("https://10.1.2.3/x", "Use a public host"),
                ("https://[::1]/x", "Use a public host"),
                ("https://localhost/x", "Use a public host"),
                ("not a url", "spaces"),
            ]
            for (url, message) in cases {
                try await console.get("/admin/webhooks")
                let response = try await console.post("/admin/webhooks", ["url": url, "event_customer_registered": "on"])
                #expect(response.status == .unprocessableContent, "\(url)")
                #expect(response.body.contains(message), "\(url): \(message)")
            }
            try await console.get("/admin/webhooks")
            let noEvents = try await console.post("/admin/webhooks", ["url": "https://hooks.example.net/x", "description": "kept"])
            #expect(noEvents.status == .unprocessableContent)
            #expect(noEvents.body.contains("Choose at least one event"))
            #expect(noEvents.body.contains("value=\"kept\""))
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_endpoints") == 0)
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM audit_events WHERE action LIKE 'webhook.%'") == 0)
            // A good https URL is accepted.
            _ = try await createEndpoint(console, url: "https://hooks.example.net/portico", events: [.workOrderCreated])
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_endpoints") == 1)
        }
    }

    @Test("SSRF: without PORTICO_WEBHOOKS_ALLOW_PRIVATE, hosts resolving to loopback are refused at delivery time")
    func privateAddressesRefused() async throws {
        let world = try await world()
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            // Saved while private hosts were allowed; the delivery-time check still applies.
            _ = try await createEndpoint(console, url: receiver.url, events: [.customerRegistered])
            _ = try await createEndpoint(console, url: "http://localhost:\(receiver.port)/hooks/portico", events: [.customerRegistered])
            try await Self.register(app, world, name: "Sam SSRF", email: "sam@example.net")
            let worker = Self.worker(app, world.tenant, maximumAttempts: 2, allowPrivate: false)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'dead'") == 2
            }
            #expect(await receiver.received.isEmpty, "nothing reached the loopback receiver")
            let errors = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT error FROM webhook_attempts").map { try $0.decode("error", as: String.self) }
            }
            #expect(errors.count == 4)
            #expect(errors.allSatisfy { $0.contains("Refused") && $0.contains("127.0.0.1") || $0.contains("::1") }, "\(errors)")
        }
    }

    // MARK: Transactions and configuration

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

    @Test("PORTICO_WEBHOOKS_ALLOW_HTTP / _ALLOW_PRIVATE: off by default, 1 turns them on, anything else stops start-up naming the variable")
    func configuration() throws {
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(!defaults.webhooksAllowHTTP && !defaults.webhooksAllowPrivate)
        let on = try AppConfiguration.fromEnvironment(["PORTICO_WEBHOOKS_ALLOW_HTTP": "1", "PORTICO_WEBHOOKS_ALLOW_PRIVATE": "1"])
        #expect(on.webhooksAllowHTTP && on.webhooksAllowPrivate)
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["PORTICO_WEBHOOKS_ALLOW_HTTP": "maybe"]) }
        do {
            _ = try AppConfiguration.fromEnvironment(["PORTICO_WEBHOOKS_ALLOW_PRIVATE": "yes please"])
            Issue.record("accepted a bad flag")
        } catch let error as ConfigurationError {
            #expect(error.variable == "PORTICO_WEBHOOKS_ALLOW_PRIVATE")
        }
    }

    @Test("signature: t=<seconds>,v1=<hex HMAC-SHA256(secret, t.body)>")
    func signature() {
        let secret = String(repeating: "ab", count: 32)
        let header = WebhookDelivery.signature(secret: secret, timestamp: 1_700_000_000, body: "{\"a\":1}")
        let expected = Hex.encode(Digest.hmacSHA256(key: Array(secret.utf8), message: Array("1700000000.{\"a\":1}".utf8)))
        #expect(header == "t=1700000000,v1=\(expected)")
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
