import Foundation
import Mailer
import PorticoTestSupport
import Postgres
import ServiceLifecycle
import Testing

@testable import Portico

/// Two `serve` instances on one database and a slow relay: a worker holds only the message it
/// is sending and renews its lease while the relay takes its time, so the other instance never
/// takes it for stuck and sends it again. On shutdown a worker claims nothing more and finishes
/// or releases the message in hand within the grace period.
///
/// The workers claim mail of every tenant: a database of its own, one test at a time.
@Suite("Exactly-once mail delivery and graceful stop", .serialized)
struct ExactlyOnceDeliveryTests {
    static let shared = Task {
        let urls = try await TestCluster.migratedScratchDatabase(prefix: "once")
        return (appURL: urls.appURL, dependencies: try await TestApp.dependencies(databaseURL: urls.appURL))
    }

    struct World {
        let dependencies: AppDependencies
        let tenant: TestTenant
        let resolved: ResolvedTenant
        var pool: ConnectionPool { dependencies.pool }
    }

    /// A tenant of its own, and an empty queue: the workers of each test claim any tenant's
    /// mail, so what an earlier test left queued must not be there to take.
    func world() async throws -> World {
        let dependencies = try await Self.shared.value.dependencies
        try await OutboxDelivery.acrossTenants(dependencies.pool) { tx in
            try await tx.execute(
                "UPDATE outbox SET status = 'failed', claimed_by = NULL, last_error = 'left by an earlier test' WHERE status IN ('queued', 'sending')"
            )
        }
        let tenant = try await TestTenant.create(name: "Once Only Wireless", pool: dependencies.pool)
        guard case .tenant(let resolved) = try await dependencies.directory.resolve(host: tenant.host) else {
            throw TestSupportError("tenant did not resolve")
        }
        return World(dependencies: dependencies, tenant: tenant, resolved: resolved)
    }

    /// Queues one verification email to each of `count` fresh addresses.
    func enqueue(_ world: World, count: Int) async throws -> [String] {
        let recipients = (0..<count).map { "once\($0)-\(UUID().uuidString.prefix(6).lowercased())@example.net" }
        for recipient in recipients {
            // A verification mail names its one-time token (the outbox keeps it out of the stored bodies).
            let token = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            _ = try await world.pool.withTenant(world.tenant.id) { tx in
                try await world.dependencies.outbox.enqueue(
                    .verifyEmail, to: recipient, name: "Olive Once", tenant: world.resolved,
                    values: ["actionUrl": world.resolved.url("/portal/verify?token=\(token)")],
                    linkToken: token, in: tx)
            }
        }
        return recipients
    }

    func worker(_ world: World, relay: String, name: String, stuckAfter: Duration = .seconds(300)) throws -> OutboxDelivery {
        var smtp = try SMTPConfiguration.parse(url: relay, startTLS: false)
        smtp.connectTimeout = .seconds(10)
        smtp.totalTimeout = .seconds(20)
        var policy = OutboxDelivery.Policy()
        policy.stuckAfter = stuckAfter
        // A loaded machine may make an attempt fail; the retry then comes soon.
        policy.firstRetry = .seconds(1)
        return OutboxDelivery(
            pool: world.pool, transport: SMTPTransport(configuration: smtp), fromAddress: "noreply@portico.example",
            policy: policy, workerName: name, logger: TestLogging.logger("outbox"))
    }

    func outboxRows(_ world: World) async throws -> [OutboxMessage] {
        try await world.pool.withTenant(world.tenant.id) { tx in
            try await tx.rows("SELECT * FROM outbox ORDER BY recipient").map { try $0.decode(OutboxMessage.self) }
        }
    }

    func waitUntil(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestSupportError("condition not met within \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The outbox service as `serve` runs it, in a service group of its own, stopped (at the
    /// latest) when `body` ends. `body` gets the group and the task running it.
    func withService(
        _ delivery: OutboxDelivery, grace: Duration, signal: ShutdownSignal = ShutdownSignal(),
        _ body: (ServiceGroup, Task<Void, any Error>) async throws -> Void
    ) async throws {
        let (events, _) = AsyncStream<NotificationListener.Event>.makeStream()
        let service = OutboxService(
            delivery: delivery, events: events, pollInterval: .milliseconds(200),
            shutdown: WorkerShutdown(signal: signal, grace: grace))
        let group = ServiceGroup(configuration: .init(services: [service], logger: TestLogging.logger("group")))
        let task = Task { try await group.run() }
        do {
            try await body(group, task)
        } catch {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw error
        }
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    @Test("two instances, each message slower at the relay than the stuck timeout: every message is delivered exactly once")
    func twoInstancesSlowRelay() async throws {
        let world = try await world()
        let recipients = try await enqueue(world, count: 4)
        var options = SMTPTestServer.Options()
        options.delay = .seconds(6)
        try await SMTPTestServer.with(options) { server in
            // A row `sending` 5 s without a lease renewal counts as stuck; every message takes 6 s at the relay.
            let first = try worker(world, relay: server.url, name: "instance-a", stuckAfter: .seconds(5))
            let second = try worker(world, relay: server.url, name: "instance-b", stuckAfter: .seconds(5))
            let deadline = ContinuousClock.now + .seconds(60)
            func drain(_ worker: OutboxDelivery) async throws {
                while ContinuousClock.now < deadline, try await outboxRows(world).contains(where: { $0.status != .sent }) {
                    try await worker.runOnce()
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            async let a: Void = drain(first)
            async let b: Void = drain(second)
            _ = try await (a, b)

            let received = try server.messages().flatMap(\.recipients).filter { recipients.contains($0) }
            #expect(received.count == 4, "\(received)")
            #expect(Set(received).count == 4)
            let rows = try await outboxRows(world)
            #expect(rows.allSatisfy { $0.status == .sent && $0.attempts == 1 && !$0.uncertain }, "\(rows.map { ($0.status, $0.attempts) })")
        }
    }

    @Test("while the relay is slow the lease is renewed, and another instance finds nothing stuck")
    func leaseRenewal() async throws {
        let world = try await world()
        _ = try await enqueue(world, count: 1)
        var options = SMTPTestServer.Options()
        options.delay = .seconds(8)
        try await SMTPTestServer.with(options) { server in
            let sender = try worker(world, relay: server.url, name: "renewing", stuckAfter: .seconds(3))
            let rescuer = try worker(world, relay: server.url, name: "rescuer", stuckAfter: .seconds(3))
            let sending = Task { try await sender.runOnce() }
            try await waitUntil { try await outboxRows(world).first?.status == .sending }
            var leases: Set<Date> = []
            let until = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(300))
                let lease = try await world.pool.withTenant(world.tenant.id) { tx in
                    try await tx.scalar("SELECT claimed_at FROM outbox WHERE status = 'sending'", as: Date.self)
                }
                guard let lease else { break }  // sent already (a slow machine)
                leases.insert(lease)
                #expect(try await rescuer.rescueStuck() == 0, "another instance took the message for stuck")
            }
            #expect(leases.count >= 2, "the lease was not renewed: \(leases)")
            _ = try await sending.value
            #expect(try await outboxRows(world).first?.status == .sent)
            #expect(try server.messages().count == 1)
        }
    }

    @Test("at the shutdown signal nothing more is claimed: the message in hand is sent, the rest stay queued and unclaimed")
    func stopFinishesTheMessageInHand() async throws {
        let world = try await world()
        _ = try await enqueue(world, count: 6)
        var options = SMTPTestServer.Options()
        options.delay = .milliseconds(800)
        try await SMTPTestServer.with(options) { server in
            let signal = ShutdownSignal()
            try await withService(try worker(world, relay: server.url, name: "stopping"), grace: .seconds(10), signal: signal) { group, task in
                try await waitUntil { try await outboxRows(world).contains { $0.status == .sending } }
                let stoppedAt = ContinuousClock.now
                signal.trigger()  // what `portico serve` does at SIGTERM, before the HTTP server drains
                do {
                    try await waitUntil(timeout: .seconds(10)) { try await !outboxRows(world).contains { $0.status == .sending } }
                } catch {
                    let detail = try await world.pool.withTenant(world.tenant.id) { tx in
                        try await tx.rows("SELECT status, claimed_by, attempts, last_error FROM outbox").map { row in
                            "\(try row.decode("status", as: String.self)) \(try row.decode("claimed_by", as: String?.self) ?? "-") \(try row.decode("attempts", as: Int.self)) \(try row.decode("last_error", as: String?.self) ?? "")"
                        }
                    }
                    Issue.record("still sending: \(detail); relay log: \(server.log)")
                    throw error
                }
                // The message in hand takes 0.8 s at the relay; room for a loaded machine.
                #expect(ContinuousClock.now - stoppedAt < .seconds(6))
                try await Task.sleep(for: .milliseconds(500))
                let rows = try await outboxRows(world)
                let sent = rows.filter { $0.status == .sent }
                #expect(sent.count >= 1 && sent.count < 6, "\(rows.map(\.status))")
                #expect(rows.filter { $0.status == .queued }.allSatisfy { $0.attempts == 0 })
                #expect(try server.messages().count == sent.count)
                await group.triggerGracefulShutdown()
                try await task.value
            }
        }
    }

    @Test("a message the relay holds beyond the grace period is stopped and released at once, and another instance sends it once")
    func stopReleasesWhatItCannotFinish() async throws {
        let world = try await world()
        let recipients = try await enqueue(world, count: 2)
        try await SMTPTestServer.with(.init(hang: .rcpt)) { stuckRelay in
            try await withService(try worker(world, relay: stuckRelay.url, name: "held-up"), grace: .seconds(3)) { group, task in
                try await waitUntil { try await outboxRows(world).contains { $0.status == .sending } }
                let stoppedAt = ContinuousClock.now
                await group.triggerGracefulShutdown()
                try await task.value
                // Grace 3 s (the transfer is stopped after 1 s), plus room for a loaded machine.
                #expect(ContinuousClock.now - stoppedAt < .seconds(8), "the worker took far longer than the grace period")
                let rows = try await outboxRows(world)
                #expect(rows.allSatisfy { $0.status == .queued && $0.attempts == 0 }, "\(rows.map { ($0.status, $0.attempts) })")
                let claimed = try await world.pool.withTenant(world.tenant.id) { tx in
                    try await tx.scalar("SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL", as: Int.self)
                }
                #expect(claimed == 0)
                #expect(rows.allSatisfy { $0.nextAttemptAt <= Date().addingTimeInterval(1) })
                #expect(rows.contains { $0.lastError?.contains("shutdown") == true })
            }
        }
        try await SMTPTestServer.with { relay in
            let other = try worker(world, relay: relay.url, name: "other-instance")
            try await waitUntil {
                try await other.runOnce()
                return try await outboxRows(world).allSatisfy { $0.status == .sent }
            }
            #expect(try relay.messages().flatMap(\.recipients).sorted() == recipients.sorted())
        }
    }

    @Test("the real binary: SIGTERM with mail queued behind a slow relay exits within the grace period, nothing sent twice")
    func sigtermWithBacklog() async throws {
        let world = try await world()
        let recipients = try await enqueue(world, count: 20)
        var options = SMTPTestServer.Options()
        options.delay = .seconds(1)
        try await SMTPTestServer.with(options) { relay in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-sigterm-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let environment = [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(),
                "DATABASE_URL": try await Self.shared.value.appURL, "SMTP_URL": relay.url, "SMTP_STARTTLS": "off",
                "PORTICO_DATA_DIR": directory.path, "PORTICO_INTERNAL_PORT": "\(try SMTPTestServer.unusedPort())",
                "PORTICO_SHUTDOWN_GRACE_SECONDS": "5", "LOG_FORMAT": "json",
            ]
            let process = try TestProcess(
                [try PorticoBinary.path(), "serve", "--port", "\(try SMTPTestServer.unusedPort())"],
                outputFile: directory.appendingPathExtension("log"), environment: environment)
            defer { try? FileManager.default.removeItem(at: directory.appendingPathExtension("log")) }
            try await waitUntil(timeout: .seconds(60)) {
                if let code = process.exitCode { throw TestSupportError("serve exited (\(code)): \(process.output)") }
                return try relay.messages().contains { recipients.contains($0.recipients.first ?? "") }
            }
            let signalled = ContinuousClock.now
            process.signal(SIGTERM)
            let code = try await process.waitForExit(timeout: .seconds(20))
            let took = ContinuousClock.now - signalled
            #expect(code == 0, "\(process.output)")
            // The message in hand takes 1 s at the relay, well inside the 5 s grace period (the
            // backlog alone would take 20 s); room for a loaded machine.
            #expect(took < .seconds(7), "SIGTERM took \(took)")

            let received = try relay.messages().flatMap(\.recipients).filter { recipients.contains($0) }
            #expect(Set(received).count == received.count, "sent twice: \(received)")
            let rows = try await outboxRows(world)
            let summary =
                "rows: \(Dictionary(grouping: rows, by: \.status).mapValues(\.count)), received \(received.count); log:\n\(process.output.suffix(4000))"
            #expect(!rows.contains { $0.status == .sending }, "\(summary)")
            #expect(rows.filter { $0.status == .sent }.count == received.count, "\(summary)")
            #expect(rows.filter { $0.status == .queued }.count == 20 - received.count, "\(summary)")
            #expect(received.count < 20, "the whole backlog was sent before stopping")
            // Every line on standard error is one JSON object.
            for line in process.output.split(separator: "\n") {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
            }
        }
    }
}
