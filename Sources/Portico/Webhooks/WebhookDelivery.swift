import Foundation
import HTTPPost
import Logging
import NIOPosix
import PorticoCrypto
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

    /// The signature header value for `body` at `timestamp`.
    public static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).\(body)".utf8))
        return "t=\(timestamp),v1=\(Hex.encode(mac))"
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

    func post(_ delivery: Claimed) async -> Outcome {
        do {
            let request = try await prepare(delivery)
            let response = try await poster.post(request)
            if (200..<300).contains(response.statusCode) {
                return .delivered(response.statusCode)
            }
            let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failed(
                status: response.statusCode,
                error: DeliveryDiagnostic.receiverAnswered(status: response.statusCode, excerpt: excerpt).stored)
        } catch let error as HTTPPostError where error.stopped {
            return .released
        } catch let error as HTTPPostError {
            return .failed(status: nil, error: error.timedOut ? DeliveryDiagnostic.timedOut(error.message).stored : error.message)
        } catch {
            return .failed(status: nil, error: "\(error)")
        }
    }

    /// The request, after the scheme and address checks. The address checked is the one
    /// libcurl connects to (`CURLOPT_RESOLVE`), so a DNS answer that changes in between
    /// (rebinding) cannot reach a private address.
    func prepare(_ delivery: Claimed) async throws -> HTTPPostRequest {
        guard let components = URLComponents(string: delivery.url), let scheme = components.scheme?.lowercased(),
            let rawHost = components.host, !rawHost.isEmpty
        else {
            throw WebhookAddressError(message: DeliveryDiagnostic.invalidEndpoint.stored)
        }
        guard scheme == "https" || (scheme == "http" && policy.allowHTTP) else {
            throw WebhookAddressError(message: DeliveryDiagnostic.schemeRefused(scheme).stored)
        }
        var resolve: [String] = []
        if !policy.allowPrivate {
            let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let port = components.port ?? (scheme == "https" ? 443 : 80)
            switch AddressGuard.HostForm(host) {
            case .address(let bytes, _):
                // Any notation (`[::127.0.0.1]`, `0x7f.1`, `2130706433`): judged as the address it is.
                if AddressGuard.isForbidden(bytes: bytes) { throw WebhookAddressError(message: DeliveryDiagnostic.privateAddress(host).stored) }
            case .invalidNumeric:
                throw WebhookAddressError(message: DeliveryDiagnostic.invalidAddress(host).stored)
            case .name(let name):
                // Whatever the resolver says (RFC 6761), also for `LOCALHOST.`.
                if AddressGuard.isLocalName(name) { throw WebhookAddressError(message: DeliveryDiagnostic.localName(host).stored) }
                let addresses = try await NIOThreadPool.singleton.runIfActive { try AddressGuard.resolve(host) }
                if let bad = addresses.first(where: AddressGuard.isForbidden) {
                    throw WebhookAddressError(message: DeliveryDiagnostic.resolvesToPrivate(host: host, address: bad).stored)
                }
                let address = addresses[0]
                resolve = ["\(host):\(port):\(address.contains(":") ? "[\(address)]" : address)"]
            }
        }
        let timestamp = Int(Date().timeIntervalSince1970)
        return HTTPPostRequest(
            url: delivery.url,
            headers: [
                (name: "Content-Type", value: "application/json"),
                (name: "User-Agent", value: "Portico-Webhooks/1"),
                (name: "Portico-Event", value: delivery.eventType),
                (name: "Portico-Delivery", value: delivery.id.uuidString.lowercased()),
                (name: "Portico-Signature", value: Self.signature(secret: delivery.secret, timestamp: timestamp, body: delivery.payload)),
            ],
            body: Array(delivery.payload.utf8), resolve: resolve, protocols: policy.allowHTTP ? "http,https" : "https",
            connectTimeout: policy.connectTimeout, totalTimeout: policy.totalTimeout, maximumResponseBytes: policy.maximumResponseBytes)
    }

    /// Seconds before the next attempt after `attempt` failed ones.
    func backoff(afterAttempt attempt: Int) -> Double {
        let step = policy.schedule.isEmpty ? .seconds(60) : policy.schedule[min(max(0, attempt - 1), policy.schedule.count - 1)]
        let base = Double(step.components.seconds) + Double(step.components.attoseconds) / 1e18
        guard policy.jitter > 0 else { return base }
        return base * Double.random(in: (1 - policy.jitter)...(1 + policy.jitter))
    }

    func record(_ outcome: Outcome, for delivery: Claimed, durationMs: Int) async throws {
        let metadata: Logger.Metadata = [
            "tenant": "\(delivery.tenantId)", "delivery": "\(delivery.id)", "event": "\(delivery.eventType)",
            "attempt": "\(delivery.attempts)",
        ]
        // Only while this worker still holds the row (it may have been rescued as stuck).
        let held: SQL = "status = 'sending' AND claimed_by = \(workerName)"
        // The outcome belongs to one tenant: record it in that tenant's transaction (RLS as
        // everywhere), so the worker needs no cross-tenant access to the attempt log.
        try await pool.withTenant(delivery.tenantId) { tx in
            switch outcome {
            case .released:
                try await tx.execute(
                    """
                    UPDATE webhook_deliveries SET status = 'queued', attempts = greatest(attempts - 1, 0), claimed_by = NULL, claimed_at = NULL,
                           next_attempt_at = now(), last_error = \(DeliveryDiagnostic.webhookReleasedAtShutdown.stored)
                     WHERE tenant_id = \(delivery.tenantId) AND id = \(delivery.id) AND \(held)
                    """)
                logger.notice("Webhook released at shutdown", metadata: metadata)
            case .delivered(let status):
                try await tx.execute(
                    """
                    INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, status_code, duration_ms)
                    VALUES (\(delivery.tenantId), \(delivery.id), \(delivery.attempts), \(status), \(durationMs))
                    """)
                try await tx.execute(
                    """
                    UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), claimed_by = NULL, claimed_at = NULL,
                           last_status_code = \(status), last_error = NULL
                     WHERE tenant_id = \(delivery.tenantId) AND id = \(delivery.id) AND \(held)
                    """)
                logger.info("Webhook delivered", metadata: metadata)
            case .failed(let status, let error):
                let message = String(error.prefix(2000))
                try await tx.execute(
                    """
                    INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, status_code, error, duration_ms)
                    VALUES (\(delivery.tenantId), \(delivery.id), \(delivery.attempts), \(status), \(message), \(durationMs))
                    """)
                if delivery.attempts >= policy.maximumAttempts {
                    try await tx.execute(
                        """
                        UPDATE webhook_deliveries SET status = 'dead', claimed_by = NULL, claimed_at = NULL, last_status_code = \(status),
                               last_error = \(DeliveryDiagnostic.gaveUp(attempts: delivery.attempts, last: error).column)
                         WHERE tenant_id = \(delivery.tenantId) AND id = \(delivery.id) AND \(held)
                        """)
                    logger.warning("Webhook dead after the maximum attempts", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                } else {
                    let delay = backoff(afterAttempt: delivery.attempts)
                    try await tx.execute(
                        """
                        UPDATE webhook_deliveries SET status = 'queued', claimed_by = NULL, claimed_at = NULL, last_status_code = \(status),
                               last_error = \(message), next_attempt_at = now() + make_interval(secs => \(delay))
                         WHERE tenant_id = \(delivery.tenantId) AND id = \(delivery.id) AND \(held)
                        """)
                    logger.notice("Webhook failed; will retry", metadata: metadata.merging(["error": "\(error)", "retry_in_s": "\(delay)"]) { $1 })
                }
            }
        }
    }
}
