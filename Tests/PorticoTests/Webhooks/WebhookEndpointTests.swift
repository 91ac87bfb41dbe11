import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

@Suite("Webhooks out: endpoints, who may manage them, URL rules and configuration")
struct WebhookEndpointTests: WebhookScenario {
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

    // MARK: Configuration

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
}
