import Foundation
import Logging
import Postgres

/// After an attempt: the back-off before the next one and the outcome recorded in the
/// tenant's transaction (delivered, queued again, dead, or released at shutdown).
extension WebhookDelivery {
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
