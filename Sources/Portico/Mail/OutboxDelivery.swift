import Foundation
import Logging
import Mailer
import Postgres

/// Delivers the outbox: claims due messages of every tenant ONE AT A TIME with
/// `FOR UPDATE SKIP LOCKED` (several `serve` processes never take the same row), sends it
/// through the mail transport while renewing its lease, and records the outcome:
///
/// * sent → `sent`;
/// * permanent refusal (5xx, bad address) → `failed`, never retried automatically;
/// * transient failure (4xx, relay down, timeout before the body went) → `queued` again with
///   exponential back-off and jitter (1 min doubling to 6 h), `dead` after `maximumAttempts`;
/// * uncertain (the relay may have accepted it: timeout after the body, or a worker that died
///   mid-send) → retried once with the same Message-ID, then `dead` rather than risk sending
///   it a third time;
/// * stopped at shutdown before the whole message went → `queued` at once, the attempt not
///   counted (`released`).
///
/// Exactly once while workers live: a worker holds only the message it is sending, and
/// renews that row's `claimed_at` every `leaseRenewal`, so however slow the relay, no other
/// worker takes it for stuck. Only a worker that dies (or loses the database for longer than
/// `stuckAfter`) mid-send leaves a message whose fate is unknown: that one message is sent
/// again, once, with the same Message-ID.
public struct OutboxDelivery: Sendable {
    public struct Policy: Sendable {
        public var maximumAttempts = 10
        public var firstRetry: Duration = .seconds(60)
        public var longestRetry: Duration = .seconds(6 * 3600)
        /// A row `sending` whose lease was not renewed for this long belonged to a worker that died.
        public var stuckAfter: Duration = .seconds(300)
        /// Messages handled per pass (each claimed on its own, just before it is sent).
        public var batchSize = 20

        /// The sending worker renews its lease ten times per `stuckAfter` (every 30 s by
        /// default): a busy machine may miss several before another instance takes the
        /// message for stuck.
        public var leaseRenewal: Duration { stuckAfter / 10 }

        public init() {}
    }

    let pool: ConnectionPool
    let transport: any MailTransport
    let fromAddress: String
    let policy: Policy
    let workerName: String
    let logger: Logger

    public init(
        pool: ConnectionPool, transport: any MailTransport, fromAddress: String, policy: Policy = Policy(),
        workerName: String = "worker-\(UUID().uuidString.prefix(8).lowercased())", logger: Logger
    ) {
        self.pool = pool
        self.transport = transport
        self.fromAddress = fromAddress
        self.policy = policy
        self.workerName = workerName
        self.logger = logger
    }

    /// Runs `body` in a transaction allowed to see and update the queue of every tenant.
    static func acrossTenants<R: Sendable>(_ pool: ConnectionPool, _ body: (Transaction) async throws -> R) async throws -> R {
        try await pool.withTransaction { tx in
            try await tx.execute("SELECT set_config('app.worker', 'outbox_delivery', true)")
            return try await body(tx)
        }
    }

    /// Claims the next due message; the claim commits before anything is sent.
    ///
    /// The row is picked in a materialized CTE: written as `WHERE … IN (SELECT … LIMIT 1 FOR
    /// UPDATE SKIP LOCKED)` the planner may run the sub-select once per outer row, and with
    /// SKIP LOCKED each run returns a different row, so one "claim" took many rows that no
    /// worker then sent (seen: 19 of 20 left `sending`).
    func claimOne() async throws -> OutboxMessage? {
        let claimed = try await Self.acrossTenants(pool) { tx in
            try await tx.rows(
                """
                WITH next AS MATERIALIZED (
                     SELECT tenant_id, id FROM outbox WHERE status = 'queued' AND next_attempt_at <= now()
                      ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                UPDATE outbox o SET status = 'sending', claimed_by = \(workerName), claimed_at = now(), attempts = o.attempts + 1
                  FROM next WHERE o.tenant_id = next.tenant_id AND o.id = next.id
                RETURNING o.*
                """
            ).map { try $0.decode(OutboxMessage.self) }
        }
        assert(claimed.count <= 1, "one claim took \(claimed.count) messages")
        return claimed.first
    }

    /// Puts messages whose worker vanished mid-send back in the queue, marked uncertain
    /// (or gives up on those that were uncertain already).
    @discardableResult
    public func rescueStuck() async throws -> Int {
        let seconds = Int(policy.stuckAfter.components.seconds)
        let requeued = try await Self.acrossTenants(pool) { tx in
            try await tx.execute(
                """
                UPDATE outbox SET
                    status = CASE WHEN uncertain THEN 'dead' ELSE 'queued' END,
                    link_token = CASE WHEN uncertain THEN NULL ELSE link_token END,
                    uncertain = true, next_attempt_at = now(), claimed_by = NULL, claimed_at = NULL,
                    last_error = CASE WHEN uncertain THEN \(DeliveryDiagnostic.emailUncertainTwice.stored)::text
                                      ELSE \(DeliveryDiagnostic.emailWorkerStopped.stored)::text END
                 WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => \(seconds))
                """)
        }
        if requeued > 0 {
            logger.warning("Emails whose worker stopped renewing its lease are queued again (uncertain)", metadata: ["count": "\(requeued)"])
        }
        return requeued
    }

    /// One pass: rescue, then claim and deliver one message at a time, up to `batchSize`
    /// or until `stop` is triggered. Returns how many messages it handled.
    @discardableResult
    public func runOnce(stop: DeliveryStop? = nil) async throws -> Int {
        try await rescueStuck()
        var handled = 0
        while handled < policy.batchSize, stop?.signal.isTriggered != true, let message = try await claimOne() {
            await deliver(message, stop: stop)
            handled += 1
        }
        return handled
    }

    func deliver(_ message: OutboxMessage, stop: DeliveryStop? = nil) async {
        let pool = self.pool, workerName = self.workerName
        let attempt = LeasedAttempt<Outcome>(
            renewEvery: policy.leaseRenewal,
            renew: {
                try await Self.acrossTenants(pool) { tx in
                    try await tx.execute(
                        """
                        UPDATE outbox SET claimed_at = now()
                         WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND status = 'sending' AND claimed_by = \(workerName)
                        """)
                } as Int
            },
            logger: logger, what: "an email", metadata: ["message_id": "\(message.messageId)"])
        let (finished, stopped) = await attempt.run(stop: stop) { await send(message) }
        // A cancelled send reports whether the relay may have the message.
        var outcome = finished ?? .transient("the delivery did not finish")
        if stopped, case .transient = outcome { outcome = .released }
        do {
            try await record(outcome, for: message)
        } catch {
            // The row stays `sending` and is rescued later as uncertain: never lost.
            logger.error("Could not record an email's delivery outcome", metadata: ["message_id": "\(message.messageId)", "error": "\(error)"])
        }
    }

    func send(_ message: OutboxMessage) async -> Outcome {
        do {
            if message.lostItsLink { return .permanent(Self.lostLink) }
            try await transport.send(try mailMessage(for: message))
            return .sent
        } catch let error as MailDeliveryError {
            switch error {
            case .permanent: return .permanent(error.description)
            case .transient: return .transient(error.description)
            case .uncertain: return .uncertain(error.description)
            }
        } catch let error as MailError {
            return .permanent(error.description)
        } catch {
            return .transient("\(error)")
        }
    }

    static let lostLink =
        "Not sent: its one-time link was removed when delivery stopped earlier. Ask for a new email instead (a new reset link or invitation)."

    enum Outcome: Sendable {
        case sent
        case permanent(String)
        case transient(String)
        case uncertain(String)
        /// Stopped at shutdown before the whole message went: back in the queue at once.
        case released
    }

    func record(_ outcome: Outcome, for message: OutboxMessage) async throws {
        let metadata: Logger.Metadata = [
            "tenant": "\(message.tenantId)", "kind": "\(message.kind)", "to": "\(message.recipient)",
            "message_id": "\(message.messageId)", "attempt": "\(message.attempts)",
        ]
        // Only while this worker still holds the row: if it lost the lease (rescued as stuck by
        // another worker), the row is that worker's now.
        let held: SQL = "status = 'sending' AND claimed_by = \(workerName)"
        try await Self.acrossTenants(pool) { tx in
            switch outcome {
            case .released:
                try await tx.execute(
                    """
                    UPDATE outbox SET status = 'queued', attempts = greatest(attempts - 1, 0), claimed_by = NULL, claimed_at = NULL,
                           next_attempt_at = now(), last_error = \(DeliveryDiagnostic.emailReleasedAtShutdown.stored)
                     WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                    """)
                logger.notice("Email released at shutdown", metadata: metadata)
            case .sent:
                let updated = try await tx.execute(
                    """
                    UPDATE outbox SET status = 'sent', sent_at = now(), claimed_by = NULL, last_error = NULL, link_token = NULL
                     WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                    """)
                if updated == 0 {
                    logger.warning(
                        "Email sent after its lease ran out (database unreachable too long); another worker may send it again",
                        metadata: metadata)
                } else {
                    logger.info("Email sent", metadata: metadata)
                }
            case .permanent(let error):
                try await tx.execute(
                    """
                    UPDATE outbox SET status = 'failed', claimed_by = NULL, last_error = \(String(error.prefix(2000))), link_token = NULL
                     WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                    """)
                logger.warning("Email refused for good", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            case .transient(let error):
                if message.attempts >= policy.maximumAttempts {
                    try await tx.execute(
                        """
                        UPDATE outbox SET status = 'dead', claimed_by = NULL, link_token = NULL,
                               last_error = \(DeliveryDiagnostic.gaveUp(attempts: message.attempts, last: error).column)
                         WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                        """)
                    logger.error("Email dead after the maximum attempts", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                } else {
                    let delay = backoff(afterAttempt: message.attempts)
                    try await tx.execute(
                        """
                        UPDATE outbox SET status = 'queued', claimed_by = NULL, last_error = \(String(error.prefix(2000))),
                               next_attempt_at = now() + make_interval(secs => \(delay))
                         WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                        """)
                    logger.notice(
                        "Email delayed; will retry", metadata: metadata.merging(["error": "\(error)", "retry_in_s": "\(Int(delay))"]) { $1 })
                }
            case .uncertain(let error):
                if message.uncertain {
                    try await tx.execute(
                        """
                        UPDATE outbox SET status = 'dead', claimed_by = NULL, link_token = NULL,
                               last_error = \(DeliveryDiagnostic.emailUncertainTwiceAfter(error).column)
                         WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                        """)
                } else {
                    try await tx.execute(
                        """
                        UPDATE outbox SET status = 'queued', uncertain = true, claimed_by = NULL, last_error = \(String(error.prefix(2000))),
                               next_attempt_at = now() + make_interval(secs => \(backoff(afterAttempt: 1)))
                         WHERE tenant_id = \(message.tenantId) AND id = \(message.id) AND \(held)
                        """)
                }
                logger.warning("Email delivery uncertain", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
    }

    /// Seconds before the next attempt: first retry doubling per attempt up to the longest,
    /// with ±20 % jitter so that a relay coming back is not hit by every message at once.
    func backoff(afterAttempt attempt: Int) -> Double {
        let first = Double(policy.firstRetry.components.seconds)
        let longest = Double(policy.longestRetry.components.seconds)
        let base = min(longest, first * pow(2, Double(max(0, attempt - 1))))
        return (base * Double.random(in: 0.8...1.2)).rounded()
    }

    /// The message as it goes out: the one-time link's token back in place of the placeholder.
    func mailMessage(for message: OutboxMessage) throws -> MailMessage {
        let replyTo = try message.replyTo.flatMap { $0.isEmpty ? nil : try MailAddress($0) }
        func complete(_ body: String) -> String {
            guard let token = message.linkToken else { return body }
            return body.replacingOccurrences(of: Outbox.linkTokenPlaceholder, with: token)
        }
        return MailMessage(
            from: try MailAddress(fromAddress, displayName: message.fromName.isEmpty ? nil : message.fromName),
            to: try MailAddress(message.recipient, displayName: message.recipientName.isEmpty ? nil : message.recipientName),
            replyTo: replyTo, subject: message.subject, textBody: complete(message.textBody), htmlBody: message.htmlBody.map(complete),
            messageID: message.messageId, date: message.createdAt, listUnsubscribe: message.listUnsubscribe,
            extraHeaders: [(name: "X-Portico-Kind", value: message.kind)], contentLanguage: message.contentLanguage
        )
    }
}
