import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Addresses written to slip past the guard: IPv4-compatible IPv6 and IPv4 in notations a
/// resolver or browser reads as loopback. Refused when saved, and again when delivered.
@Suite("Webhooks out: addresses written to slip past the guard, refused when saved and when delivered")
struct WebhookAddressProbeTests: WebhookScenario {
    @Test("saving: [::127.0.0.1], 0x7f.1, 2130706433, 127.1, octal and LOCALHOST. are refused with a message; nothing is saved")
    func oddAddressesRefusedOnSave() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            for (url, message) in [
                ("https://[::127.0.0.1]/hooks", "Use a public host"), ("https://[::a9fe:a9fe]/hooks", "Use a public host"),
                ("https://0x7f.1/hooks", "usual dotted form"), ("https://2130706433/hooks", "usual dotted form"),
                ("https://127.1/hooks", "usual dotted form"), ("https://0177.0.0.1/hooks", "usual dotted form"),
                ("https://LOCALHOST./hooks", "Use a public host"), ("https://127.0.0.1./hooks", "Use a public host"),
                ("https://999.0.0.1/hooks", "not a valid one"),
            ] {
                try await console.get("/admin/webhooks")
                let response = try await console.post("/admin/webhooks", ["url": url, "event_customer_registered": "on"])
                #expect(response.status == .unprocessableContent, "\(url)")
                #expect(response.body.contains(message), "\(url): \(message)")
            }
            #expect(try await count(world.tenant, "SELECT count(*)::int FROM webhook_endpoints") == 0)
        }
    }

    @Test(
        "delivering: an endpoint saved as [::127.0.0.1] (while private hosts were allowed) or 2130706433 (before the save check) is refused, nothing is sent"
    )
    func oddAddressesRefusedOnDelivery() async throws {
        let world = try await world()
        let receiver = try await WebhookReceiver.start()
        defer { Task { await receiver.stop() } }
        try await TestApp.with(configuration: Self.permissive) { (app: TestApp) async throws in
            let console = try await console(app, world)
            _ = try await createEndpoint(console, url: "http://[::127.0.0.1]:\(receiver.port)/hooks/portico", events: [.customerRegistered])
            // Stored before save-time checks read odd notations.
            try await world.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
                    VALUES (\(tx.tenant), \("http://2130706433:\(receiver.port)/hooks/portico"), ARRAY['customer.registered'], \(String(repeating: "ab", count: 32)))
                    """)
            }
            let visitor = Browser(app: app, host: world.tenant.host, peer: Self.randomPeer())
            try await visitor.get("/portal/register")
            #expect(
                try await visitor.post(
                    "/portal/register",
                    [
                        "name": "Odd Address", "email": "odd-\(UUID().uuidString.prefix(6).lowercased())@example.net",
                        "password": "a long enough passphrase",
                    ]
                ).status.code < 400)
            let worker = Self.worker(app, world.tenant, maximumAttempts: 1, allowPrivate: false)
            try await Self.deliver(worker) {
                try await count(world.tenant, "SELECT count(*)::int FROM webhook_deliveries WHERE status = 'dead'") == 2
            }
            #expect(await receiver.received.isEmpty)
            let errors = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT error FROM webhook_attempts ORDER BY created_at").map { try $0.decode("error", as: String.self) }
            }
            #expect(errors.count == 2)
            #expect(errors.allSatisfy { $0.hasPrefix("Refused:") && $0.contains("non-public address") }, "\(errors)")
        }
    }
}
