import Foundation
import Logging
import Postgres

/// Applies one tenant's retention settings: removes what is older than each period, in small
/// batches (at most `batchSize` rows of a kind per transaction: no long locks, no long-held
/// snapshot), and records what went — a log line and a `retention_runs` row the tenant's
/// admins see under Settings. A tenant with nothing to remove costs two short transactions.
public struct RetentionJob: Sendable {
    let pool: ConnectionPool
    let blobStore: any BlobStore
    let logger: Logger
    let batchSize: Int

    public init(pool: ConnectionPool, blobStore: any BlobStore, logger: Logger, batchSize: Int = 500) {
        self.pool = pool
        self.blobStore = blobStore
        self.logger = logger
        self.batchSize = batchSize
    }

    /// What one pass removed, by kind (only kinds with something removed).
    public struct Report: Sendable, Equatable {
        public var removed: [String: Int] = [:]
        public var total: Int { removed.values.reduce(0, +) }
    }

    /// The kinds, in the order they run, as named in reports and on the settings page.
    /// The kinds of record a run removes, in the order its summary names them.
    static let summaryOrder = [
        "audit_events", "sent_mail", "undelivered_mail", "sessions", "tokens", "drafts", "delivered_webhooks", "dead_webhooks",
    ]

    static let ownRecords = "retention_runs"

    /// One kind of record: a statement that removes at most one batch and returns how many
    /// rows went, and the files (blob keys) that went with them.
    struct Kind {
        let name: String
        let removeBatch: (TenantTransaction) async throws -> (Int, [String])
    }

    func kinds(_ settings: RetentionSettings, tenant: TenantID) -> [Kind] {
        let batch = batchSize
        func older(_ days: Int) -> SQL { "now() - make_interval(days => \(days))" }
        func rows(_ name: String, _ statement: SQL) -> Kind {
            Kind(name: name) { tx in (try await tx.execute(statement), []) }
        }
        return [
            // The audit log stays append-only for the application: a function trims it.
            Kind(name: "audit_events") { tx in
                (try await tx.scalar("SELECT portico_trim_audit_events(\(tenant.rawValue), \(batch))", as: Int.self) ?? 0, [])
            },
            rows(
                "sent_mail",
                """
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' AND created_at < \(older(settings.sentMailDays)) LIMIT \(batch))
                """),
            rows(
                "undelivered_mail",
                """
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status IN ('failed', 'dead')
                                                  AND created_at < \(older(settings.undeliveredMailDays)) LIMIT \(batch))
                """),
            // A session has ended when it expired or sat idle past its timeout; it stops
            // working then, whatever this period says (the session lookup checks both).
            rows(
                "sessions",
                """
                DELETE FROM sessions WHERE id IN (
                    SELECT id FROM sessions
                     WHERE expires_at <= \(older(settings.endedSessionsDays))
                        OR last_seen_at <= \(older(settings.endedSessionsDays)) - make_interval(secs => idle_timeout_seconds)
                     LIMIT \(batch))
                """),
            rows(
                "tokens",
                """
                DELETE FROM account_tokens WHERE token_hash IN (
                    SELECT token_hash FROM account_tokens WHERE expires_at < \(older(settings.expiredTokensDays)) OR consumed_at < \(older(settings.expiredTokensDays))
                     LIMIT \(batch))
                """),
            // Drafts nobody submitted, with their files (removed once the rows are gone).
            Kind(name: "drafts") { tx in
                let ids = try await tx.rows(
                    """
                    SELECT id FROM work_orders WHERE status = 'draft' AND submitted_at IS NULL AND updated_at < \(older(settings.draftsDays))
                     ORDER BY updated_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                    """
                ).map { try $0.decode("id", as: UUID.self).uuidString }
                guard !ids.isEmpty else { return (0, []) }
                let keys = try await tx.rows("SELECT storage_key FROM attachments WHERE work_order_id = ANY(\(ids)::uuid[])")
                    .map { try $0.decode("storage_key", as: String.self) }
                return (try await tx.execute("DELETE FROM work_orders WHERE id = ANY(\(ids)::uuid[])"), keys)
            },
            rows(
                "delivered_webhooks",
                """
                DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'delivered'
                                                             AND created_at < \(older(settings.deliveredWebhooksDays)) LIMIT \(batch))
                """),
            rows(
                "dead_webhooks",
                """
                DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'dead'
                                                             AND created_at < \(older(settings.deadWebhooksDays)) LIMIT \(batch))
                """),
            // Its own records, after 90 days (not reported: nobody asked to keep them longer).
            rows(
                Self.ownRecords,
                "DELETE FROM retention_runs WHERE id IN (SELECT id FROM retention_runs WHERE ran_at < now() - interval '90 days' LIMIT \(batch))"),
        ]
    }

    /// The first transaction removes one batch of every kind (for most tenants, everything
    /// there is); kinds that filled a whole batch go again, each round its own transaction.
    @discardableResult
    public func run(tenant: TenantID, slug: String) async throws -> Report {
        let started = ContinuousClock.now
        let settings = try await pool.withTenant(tenant) { try await RetentionSettings.load(in: $0) }
        var pending = kinds(settings, tenant: tenant)
        var report = Report()
        while !pending.isEmpty {
            let round = pending
            let results = try await pool.withTenant(tenant) { tx -> [(Int, [String])] in
                var results: [(Int, [String])] = []
                for kind in round { results.append(try await kind.removeBatch(tx)) }
                return results
            }
            for (kind, (removed, files)) in zip(round, results) {
                if removed > 0 && kind.name != Self.ownRecords { report.removed[kind.name, default: 0] += removed }
                for key in files.compactMap(BlobKey.init) {
                    // The row is gone, so the file is unreachable either way; a leftover is harmless.
                    try? await blobStore.delete(tenant: tenant, key: key)
                }
            }
            pending = zip(round, results).filter { $0.1.0 >= batchSize }.map(\.0)
        }

        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        if report.total > 0 {
            let removed = report.removed
            try await pool.withTenant(tenant) { tx in
                try await tx.execute(
                    """
                    INSERT INTO retention_runs (tenant_id, removed, total, duration_ms)
                    VALUES (\(tenant.rawValue), \(JSONParameter(removed))::jsonb, \(report.total), \(max(milliseconds, 0)))
                    """)
            }
            var metadata: Logger.Metadata = ["tenant": "\(slug)", "total": "\(report.total)", "duration_ms": "\(milliseconds)"]
            for (kind, count) in report.removed { metadata[kind] = "\(count)" }
            logger.info("Retention removed old records", metadata: metadata)
        }
        return report
    }

    /// The tenant's latest passes that removed something, newest first.
    struct Run: Sendable {
        let ranAt: Date
        let removed: [String: Int]
        let total: Int
        let durationMs: Int
    }

    static func recentRuns(limit: Int, in tx: TenantTransaction) async throws -> [Run] {
        try await tx.rows("SELECT ran_at, removed, total, duration_ms FROM retention_runs ORDER BY ran_at DESC, id DESC LIMIT \(limit)").map {
            Run(
                ranAt: try $0.decode("ran_at"), removed: try $0.decodeJSON("removed", as: [String: Int].self), total: try $0.decode("total"),
                durationMs: try $0.decode("duration_ms"))
        }
    }

    /// "12 audit entries, 3 delivered emails", in the reader's language.
    static func summary(_ removed: [String: Int]) -> String {
        summaryOrder.compactMap { kind in
            removed[kind].map { L10n.texts.plural("console.settings.retention.removedKind.\(kind)", count: $0) }
        }.joined(separator: ", ")
    }
}
