import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Portico
import PorticoTestSupport
import Testing

/// `/metrics` on the loopback listener, scraped over real HTTP while the application serves:
/// the series exist, and they move with what the application does.
@Suite("Prometheus /metrics on the internal listener")
struct MetricsEndpointTests {
    /// One scrape, as `name{labels} value` lines (comments dropped).
    struct Scrape {
        let lines: [String]

        /// The value of the first series whose line starts with `name{` or `name ` and contains
        /// every label given, or nil when there is none.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            for line in lines where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
                guard labels.allSatisfy({ line.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
                return line.split(separator: " ").last.flatMap { Double($0) }
            }
            return nil
        }

        func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
    }

    static func scrape(_ client: TestClient) async throws -> Scrape {
        let response = try await client.execute(TestClient.Request("/metrics", method: .get, authority: "127.0.0.1"))
        #expect(response.head.status == .ok)
        #expect(response.head.headerFields[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.body.map { String(buffer: $0) } ?? ""
        return Scrape(lines: text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
    }

    @Test("pool, LISTEN, backlog and build series exist; a request counts under its route pattern, never its raw path; a failed sign-in counts")
    func seriesExistAndMove() async throws {
        PorticoMetrics.bootstrap()
        typealias Name = PorticoMetrics.Name
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber(name: "Mira Metrics")
        let workOrderID = UUID()
        try await TestApp.with { (app: TestApp) async throws in
            try await DomainTLSAskTests.withInternalListener(app) { address in
                try await TestClient.withClient(host: "127.0.0.1", port: try #require(address.port)) { client in
                    // The backlog gauges appear with the first scrape whose backlog queries meet
                    // their 2 s deadline (see `outboxBacklog`): on a loaded machine that may be a later one.
                    var before = try await Self.scrape(client)
                    for _ in 0..<5 where before.value(Name.outboxBacklog) == nil || before.value(Name.webhookBacklog) == nil {
                        before = try await Self.scrape(client)
                    }
                    for name in [
                        Name.poolOpen, Name.poolInUse, Name.poolWaiting, Name.poolMax, Name.outboxBacklog, Name.outboxOldestDue,
                        Name.webhookBacklog, Name.webhookOldestDue, Name.buildInfo,
                    ] {
                        #expect(before.value(name) != nil, "\(name) missing")
                    }
                    #expect(before.value(Name.listenConnected) == 1)
                    #expect(before.value(Name.listenState, ["state": "listening"]) == 1)
                    #expect(before.value(Name.poolMax) == Double(app.dependencies.pool.configuration.maxConnections))
                    #expect(before.value(Name.buildInfo, ["version": PorticoVersion.current]) == 1)

                    // A route with an id: counted under its pattern, whatever the answer. Tests
                    // running alongside share the process's registry: counts only grow.
                    let path = "/portal/work-orders/\(workOrderID)"
                    let page = try await app.get(path, host: tenant.host)
                    let labels = ["route": "/portal/work-orders/{number}", "method": "GET", "status_class": "\(page.status.code / 100)xx"]
                    let counted = try #require(try await Self.scrape(client).value(Name.requests, labels))
                    _ = try await app.get("/portal/work-orders/\(UUID())", host: tenant.host)
                    let after = try await Self.scrape(client)
                    #expect(after.value(Name.requests, labels) ?? 0 >= counted + 1)
                    #expect(after.value(Name.requestDuration + "_count", labels) ?? 0 >= counted + 1)
                    #expect(!after.contains(workOrderID.uuidString.lowercased()) && !after.contains(workOrderID.uuidString))

                    // Unknown hosts share one series instead of adding one per made-up name, whether
                    // the path is unknown too or one of a tenant's real pages.
                    let unmatched =
                        try await Self.scrape(client).value(Name.requests, ["route": "unmatched", "method": "GET", "status_class": "4xx"]) ?? 0
                    _ = try await app.get("/whatever/\(UUID())", host: "nobody-\(UUID().uuidString.prefix(8).lowercased()).example.org")
                    _ = try await app.get("/portal/work-orders/42", host: "nobody-\(UUID().uuidString.prefix(8).lowercased()).example.org")
                    let afterUnknown = try await Self.scrape(client)
                    #expect(afterUnknown.value(Name.requests, ["route": "unmatched", "method": "GET", "status_class": "4xx"]) ?? 0 >= unmatched + 2)

                    // A wrong password is a sign-in failure, labelled by actor only.
                    let failures = try await Self.scrape(client).value(Name.signInFailures, ["actor": "customer"]) ?? 0
                    let wrong = try await APIClient(app: app, host: tenant.host)
                        .post("/api/v1/auth/login", json: ["identifier": customer.email, "password": "not the password at all"])
                    #expect(wrong.status == .unauthorized)
                    #expect(try await Self.scrape(client).value(Name.signInFailures, ["actor": "customer"]) ?? 0 >= failures + 1)

                    // Acquiring a connection is timed by the Postgres module.
                    #expect(try await Self.scrape(client).value(Name.poolAcquire + "_count") ?? 0 > 0)
                }
            }
            // Not on the public listener, on any host.
            for host in [tenant.host, "127.0.0.1"] {
                #expect(try await app.get("/metrics", host: host).status == .notFound, "\(host)")
            }
        }
    }

    @Test("the outbox backlog counts mail waiting or being sent, and the age of the oldest due message")
    func outboxBacklog() async throws {
        PorticoMetrics.bootstrap()
        typealias Name = PorticoMetrics.Name
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            try await DomainTLSAskTests.withInternalListener(app) { address in
                try await TestClient.withClient(host: "127.0.0.1", port: try #require(address.port)) { client in
                    // Workers of tests running alongside may claim due mail at any moment: one
                    // message is held as `sending` (nobody claims those for 5 minutes), one is
                    // queued and ten minutes overdue.
                    let overdue = try await tenant.transaction { tx in
                        try await tx.execute(
                            """
                            INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status, claimed_by, claimed_at)
                            VALUES (\(tx.tenant), 'test', 'held@example.org', 'Held', 'Held', '<held@example.org>', 'sending', 'metrics-test', now())
                            """)
                        return try await tx.scalar(
                            """
                            INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, next_attempt_at)
                            VALUES (\(tx.tenant), 'test', 'due@example.org', 'Due', 'Due', '<due@example.org>', now() - interval '10 minutes')
                            RETURNING id
                            """, as: UUID.self)
                    }
                    // A scrape whose backlog queries miss their 2 s deadline (the whole suite
                    // shares two cores) answers with the last values and counts a scrape error;
                    // that is the designed behaviour, so such a scrape is taken again. Each scrape
                    // counts its own error before it answers.
                    var scrape = try await Self.scrape(client)
                    var errors = scrape.value(Name.scrapeErrors) ?? 0
                    for _ in 0..<5 {
                        scrape = try await Self.scrape(client)
                        let now = scrape.value(Name.scrapeErrors) ?? 0
                        if now == errors && scrape.value(Name.webhookBacklog) != nil { break }
                        errors = now
                    }
                    #expect(scrape.value(Name.outboxBacklog) ?? 0 >= 1)
                    let stillQueued = try await tenant.transaction { tx in
                        try await tx.scalar("SELECT status = 'queued' FROM outbox WHERE tenant_id = \(tx.tenant) AND id = \(overdue)", as: Bool.self)
                    }
                    if stillQueued == true {
                        #expect(scrape.value(Name.outboxOldestDue) ?? 0 >= 590)
                    }
                    #expect(scrape.value(Name.webhookBacklog) != nil)
                }
            }
        }
    }
}
