import Foundation
import PorticoTestSupport
import Postgres
import ServiceLifecycle
import Testing

@testable import Portico

/// Webhook workers hold only what they send at once and renew those leases while a slow
/// receiver takes its time: a second instance never sends the same delivery again. On
/// shutdown what is in flight is stopped after the grace period and released.
@Suite("Webhooks: exactly once with a slow receiver, released at shutdown")
struct WebhookExactlyOnceTests {
    /// An endpoint at `receiver` and `count` queued deliveries for it.
    func queue(_ tenant: TestTenant, receiver: WebhookReceiver, count: Int) async throws -> [UUID] {
        try await tenant.transaction { tx in
            let endpoint = try await PostgresWebhookRepository().createEndpoint(
                NewWebhookEndpoint(
                    url: receiver.url, description: "Slow receiver", events: [.workOrderCreated], secret: String(repeating: "ab", count: 32)
                ), in: tx)
            var ids: [UUID] = []
            for index in 0..<count {
                let id = try #require(
                    try await tx.scalar(
                        """
                        INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
                        VALUES (\(tx.tenant), \(endpoint.id), gen_random_uuid(), 'work_order.created', \("{\"n\":\(index)}"))
                        RETURNING id
                        """, as: UUID.self))
                ids.append(id)
            }
            return ids
        }
    }

    /// A worker for `tenant`'s deliveries with a pool of its own, as each `serve` has: on the
    /// pool every test shares, a loaded machine could hold a lease renewal back for seconds.
    func withWorker<T>(
        _ tenant: TestTenant, name: String, stuckAfter: Duration = .seconds(300),
        _ body: (WebhookDelivery) async throws -> T
    ) async throws -> T {
        var policy = WebhookDelivery.Policy()
        policy.allowHTTP = true
        policy.allowPrivate = true
        policy.tenant = tenant.id
        policy.stuckAfter = stuckAfter
        policy.totalTimeout = .seconds(30)
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: try await TestCluster.database().appURL, maxConnections: 4))
        do {
            let result = try await body(WebhookDelivery(pool: pool, policy: policy, workerName: name, logger: TestLogging.logger("webhooks")))
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    func statuses(_ tenant: TestTenant) async throws -> [(status: String, attempts: Int, claimed: Bool)] {
        try await tenant.transaction { tx in
            try await tx.rows("SELECT status, attempts, claimed_by IS NOT NULL AS claimed FROM webhook_deliveries ORDER BY created_at").map {
                (try $0.decode("status", as: String.self), try $0.decode("attempts", as: Int.self), try $0.decode("claimed", as: Bool.self))
            }
        }
    }

    /// A delivery counts as stuck after 5 s without a lease renewal; the receiver takes 6 s.
    @Test("two instances, a receiver slower than the stuck timeout: each delivery arrives once")
    func twoInstances() async throws {
        let tenant = try await TestTenant.create()
        let receiver = try await WebhookReceiver.start(delay: .seconds(6))
        let ids = try await queue(tenant, receiver: receiver, count: 4)
        let deadline = ContinuousClock.now + .seconds(40)
        func drain(_ name: String) async throws {
            try await withWorker(tenant, name: name, stuckAfter: .seconds(5)) { worker in
                while ContinuousClock.now < deadline, try await statuses(tenant).contains(where: { $0.status != "delivered" }) {
                    try await worker.runOnce()
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        async let a: Void = drain("hooks-a")
        async let b: Void = drain("hooks-b")
        _ = try await (a, b)
        let received = await receiver.received.compactMap { $0.header("Portico-Delivery") }
        await receiver.stop()
        #expect(received.sorted() == ids.map { $0.uuidString.lowercased() }.sorted(), "\(received)")
        #expect(try await statuses(tenant).allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
    }

    @Test("at shutdown deliveries in flight are stopped after the grace period and released, not counted as attempts")
    func releasedAtShutdown() async throws {
        let tenant = try await TestTenant.create()
        let receiver = try await WebhookReceiver.start(delay: .seconds(30))
        _ = try await queue(tenant, receiver: receiver, count: 2)
        let (events, _) = AsyncStream<NotificationListener.Event>.makeStream()
        try await withWorker(tenant, name: "hooks-stopping") { worker in
            let service = WebhookService(
                delivery: worker, events: events, pollInterval: .milliseconds(200),
                shutdown: WorkerShutdown(signal: ShutdownSignal(), grace: .seconds(3)))
            let group = ServiceGroup(configuration: .init(services: [service], logger: TestLogging.logger("group")))
            let task = Task { try await group.run() }
            let waitUntil = ContinuousClock.now + .seconds(20)
            while try await !statuses(tenant).contains(where: { $0.status == "sending" }), ContinuousClock.now < waitUntil {
                try await Task.sleep(for: .milliseconds(50))
            }
            let stoppedAt = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await task.value
            // Grace 3 s (transfers stopped after 1 s), plus room for a loaded machine; the
            // receiver would have answered after 30 s.
            #expect(ContinuousClock.now - stoppedAt < .seconds(8))
        }
        let rows = try await statuses(tenant)
        #expect(rows.allSatisfy { $0.status == "queued" && $0.attempts == 0 && !$0.claimed }, "\(rows)")
        await receiver.kill()
    }
}
