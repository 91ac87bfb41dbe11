import Foundation
import HTTPPost
import Logging
import Postgres

/// Delivers queued webhooks: claims due rows of every tenant with `FOR UPDATE SKIP LOCKED`
/// (several `serve` processes never take the same row), POSTs each with libcurl, logs the
/// attempt, and records the outcome: 2xx → `delivered`; anything else (other status, refused
/// address, timeout, connection error) → `queued` again after the next step of the back-off
/// schedule, `dead` after `maximumAttempts`; stopped at shutdown → `queued` at once, the
/// attempt not counted.
///
/// A worker claims only what it sends at once (`batchSize`, all in parallel) and renews each
/// row's `claimed_at` while it is in flight, so a slow receiver never makes another instance
/// take it for stuck: a delivery is repeated only after its worker died mid-send (receivers
/// deduplicate by `Portico-Delivery`).
///
/// Headers: `Content-Type: application/json`, `User-Agent: Portico-Webhooks/1`,
/// `Portico-Event: <type>`, `Portico-Delivery: <delivery id>` (the same on every retry), and
/// `Portico-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, where the
/// key is the secret exactly as shown to the admin (its 64 hex characters as UTF-8 bytes).
public struct WebhookDelivery: Sendable {
    public static let channel = "portico_webhooks"

    public struct Policy: Sendable {
        public var maximumAttempts = 8
        /// Wait after the 1st, 2nd, … failed attempt; the last step repeats.
        public var schedule: [Duration] = [
            .seconds(30), .seconds(120), .seconds(600), .seconds(3600), .seconds(6 * 3600),
            .seconds(12 * 3600), .seconds(24 * 3600),
        ]
        /// ±fraction of random spread on each wait, so that a receiver coming back is not hit
        /// by every delivery at once.
        public var jitter = 0.1
        /// A row `sending` whose lease was not renewed for this long belonged to a worker that
        /// died: queued again (receivers deduplicate by `Portico-Delivery`).
        public var stuckAfter: Duration = .seconds(300)
        /// Deliveries claimed together and sent in parallel.
        public var batchSize = 8
        public var connectTimeout: Duration = .seconds(5)
        public var totalTimeout: Duration = .seconds(15)
        public var maximumResponseBytes = 65_536
        public var allowHTTP = false
        public var allowPrivate = false
        /// Only this tenant's deliveries (tests run workers side by side); nil: every tenant.
        public var tenant: TenantID?

        /// The sending worker renews its leases ten times per `stuckAfter`: a busy machine may
        /// miss several renewals before another instance takes a delivery for stuck.
        public var leaseRenewal: Duration { stuckAfter / 10 }

        public init() {}
    }

    let pool: ConnectionPool
    let poster: HTTPPoster
    public let policy: Policy
    let workerName: String
    let logger: Logger

    public init(
        pool: ConnectionPool, policy: Policy, poster: HTTPPoster = HTTPPoster(),
        workerName: String = "webhooks-\(UUID().uuidString.prefix(8).lowercased())", logger: Logger
    ) {
        self.pool = pool
        self.policy = policy
        self.poster = poster
        self.workerName = workerName
        self.logger = logger
    }

    static func acrossTenants<R: Sendable>(_ pool: ConnectionPool, _ body: (Transaction) async throws -> R) async throws -> R {
        try await pool.withTransaction { tx in
            try await tx.execute("SELECT set_config('app.worker', 'webhook_delivery', true)")
            return try await body(tx)
        }
    }

    struct Claimed: Sendable, Decodable {
        let tenantId: TenantID
        let id: UUID
        let endpointId: UUID
        let eventType: String
        let payload: String
        let attempts: Int
        let url: String
        let secret: String
    }

    /// Claims due deliveries of enabled endpoints; the claim commits before anything is sent.
    func claim() async throws -> [Claimed] {
        let tenant = policy.tenant
        return try await Self.acrossTenants(pool) { tx in
            // Materialized, so the SKIP LOCKED pick runs once (see OutboxDelivery.claimOne).
            try await tx.rows(
                """
                WITH next AS MATERIALIZED (
                       SELECT q.tenant_id, q.id FROM webhook_deliveries q
                         JOIN webhook_endpoints qe ON qe.tenant_id = q.tenant_id AND qe.id = q.endpoint_id
                        WHERE q.status = 'queued' AND q.next_attempt_at <= now() AND qe.enabled
                          AND (\(tenant)::uuid IS NULL OR q.tenant_id = \(tenant))
                        ORDER BY q.next_attempt_at LIMIT \(policy.batchSize) FOR UPDATE OF q SKIP LOCKED)
                UPDATE webhook_deliveries d SET status = 'sending', claimed_by = \(workerName), claimed_at = now(), attempts = d.attempts + 1
                  FROM webhook_endpoints e, next
                 WHERE e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
                   AND d.tenant_id = next.tenant_id AND d.id = next.id
                RETURNING d.tenant_id, d.id, d.endpoint_id, d.event_type, d.payload, d.attempts, e.url, e.secret
                """
            ).map { try $0.decode(Claimed.self) }
        }
    }

    /// Queues again the rows whose worker vanished mid-send.
    @discardableResult
    public func rescueStuck() async throws -> Int {
        let seconds = Int(policy.stuckAfter.components.seconds)
        let tenant = policy.tenant
        let requeued = try await Self.acrossTenants(pool) { tx in
            try await tx.execute(
                """
                UPDATE webhook_deliveries SET status = 'queued', next_attempt_at = now(), claimed_by = NULL, claimed_at = NULL,
                       last_error = \(DeliveryDiagnostic.webhookWorkerStopped.stored)
                 WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => \(seconds))
                   AND (\(tenant)::uuid IS NULL OR tenant_id = \(tenant))
                """)
        }
        if requeued > 0 {
            logger.warning("Webhook deliveries whose worker stopped renewing its lease are queued again", metadata: ["count": "\(requeued)"])
        }
        return requeued
    }

    /// One pass: rescue, claim a batch, deliver it in parallel. Returns how many deliveries it
    /// handled. With `stop` triggered nothing is claimed; deliveries in flight get
    /// `stop.abortAfter` to finish, then are stopped and released.
    @discardableResult
    public func runOnce(stop: DeliveryStop? = nil) async throws -> Int {
        try await rescueStuck()
        guard stop?.signal.isTriggered != true else { return 0 }
        let batch = try await claim()
        await withTaskGroup(of: Void.self) { group in
            for delivery in batch {
                group.addTask { await deliver(delivery, stop: stop) }
            }
        }
        return batch.count
    }

    enum Outcome: Sendable {
        case delivered(Int)
        case failed(status: Int?, error: String)
        /// Stopped at shutdown: back in the queue at once, for the next worker.
        case released
    }

    func deliver(_ delivery: Claimed, stop: DeliveryStop? = nil) async {
        let started = ContinuousClock.now
        let pool = self.pool, workerName = self.workerName
        let attempt = LeasedAttempt<Outcome>(
            renewEvery: policy.leaseRenewal,
            renew: {
                try await pool.withTenant(delivery.tenantId) { tx in
                    try await tx.execute(
                        """
                        UPDATE webhook_deliveries SET claimed_at = now()
                         WHERE tenant_id = \(delivery.tenantId) AND id = \(delivery.id) AND status = 'sending' AND claimed_by = \(workerName)
                        """)
                } as Int
            },
            logger: logger, what: "a webhook", metadata: ["delivery": "\(delivery.id)"])
        // A stopped POST reports `.released` itself (libcurl was told to stop).
        let outcome =
            await attempt.run(stop: stop) { await post(delivery) }.outcome ?? .failed(status: nil, error: DeliveryDiagnostic.didNotFinish.stored)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        do {
            try await record(outcome, for: delivery, durationMs: milliseconds)
        } catch {
            // The row stays `sending` and is rescued later: never lost.
            logger.error("Could not record a webhook's delivery outcome", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }
}
