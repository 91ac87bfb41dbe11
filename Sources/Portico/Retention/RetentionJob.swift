import Foundation
import Logging
import Postgres

/// Applies one tenant's retention settings: removes what is older than each period, in small
/// batches, each its own short transaction (no long locks, no long-held snapshot), and records
/// what went — a log line and a `retention_runs` row the tenant's admins see under Settings.
public struct RetentionJob: Sendable {
    let dependencies: AppDependencies
    let batchSize: Int

    public init(dependencies: AppDependencies, batchSize: Int = 500) {
        self.dependencies = dependencies
        self.batchSize = batchSize
    }

    /// What one pass removed, by kind (only kinds with something removed).
    public struct Report: Sendable, Equatable {
        public var removed: [String: Int] = [:]
        public var total: Int { removed.values.reduce(0, +) }
    }

    /// The kinds, in the order they run, as named in reports and on the settings page.
    static let labels: [(String, String)] = [
        ("audit_events", "audit entries"), ("sent_mail", "delivered emails"), ("undelivered_mail", "undelivered emails"),
        ("sessions", "ended sign-ins"), ("tokens", "used or expired links"), ("drafts", "untouched drafts"),
        ("delivered_webhooks", "delivered webhooks"), ("dead_webhooks", "dead webhooks"),
    ]

    @discardableResult
    public func run(tenant: TenantID, slug: String) async throws -> Report {
        let started = ContinuousClock.now
        let settings = try await dependencies.pool.withTenant(tenant) { try await RetentionSettings.load(in: $0) }
        let batch = batchSize
        var report = Report()
        func drain(_ kind: String, _ statement: (TenantTransaction) async throws -> Int) async throws {
            var removed = 0
            while true {
                let step = try await dependencies.pool.withTenant(tenant) { try await statement($0) }
                removed += step
                if step < batch { break }
            }
            if removed > 0 { report.removed[kind] = removed }
        }
        func older(_ days: Int) -> SQL { "now() - make_interval(days => \(days))" }

        try await drain("audit_events") { tx in
            try await tx.scalar("SELECT portico_trim_audit_events(\(tenant.rawValue), \(batch))", as: Int.self) ?? 0
        }
        try await drain("sent_mail") { tx in
            try await tx.execute("""
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' AND created_at < \(older(settings.sentMailDays)) LIMIT \(batch))
                """)
        }
        try await drain("undelivered_mail") { tx in
            try await tx.execute("""
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status IN ('failed', 'dead')
                                                  AND created_at < \(older(settings.undeliveredMailDays)) LIMIT \(batch))
                """)
        }
        // A session has ended when it expired or sat idle past its timeout; it stops working
        // then whatever this period says (the session lookup checks both).
        try await drain("sessions") { tx in
            try await tx.execute("""
                DELETE FROM sessions WHERE id IN (
                    SELECT id FROM sessions
                     WHERE expires_at <= \(older(settings.endedSessionsDays))
                        OR last_seen_at <= \(older(settings.endedSessionsDays)) - make_interval(secs => idle_timeout_seconds)
                     LIMIT \(batch))
                """)
        }
        try await drain("tokens") { tx in
            try await tx.execute("""
                DELETE FROM account_tokens WHERE token_hash IN (
                    SELECT token_hash FROM account_tokens WHERE expires_at < \(older(settings.expiredTokensDays)) OR consumed_at < \(older(settings.expiredTokensDays))
                     LIMIT \(batch))
                """)
        }
        // Drafts nobody submitted, with their files (removed once the rows are gone).
        var drafts = 0
        while true {
            let (removed, keys) = try await dependencies.pool.withTenant(tenant) { tx -> (Int, [String]) in
                let ids = try await tx.rows("""
                    SELECT id FROM work_orders WHERE status = 'draft' AND submitted_at IS NULL AND updated_at < \(older(settings.draftsDays))
                     ORDER BY updated_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                    """).map { try $0.decode("id", as: UUID.self).uuidString }
                guard !ids.isEmpty else { return (0, []) }
                let keys = try await tx.rows("SELECT storage_key FROM attachments WHERE work_order_id = ANY(\(ids)::uuid[])")
                    .map { try $0.decode("storage_key", as: String.self) }
                return (try await tx.execute("DELETE FROM work_orders WHERE id = ANY(\(ids)::uuid[])"), keys)
            }
            for key in keys.compactMap(BlobKey.init) {
                try? await dependencies.blobStore.delete(tenant: tenant, key: key)
            }
            drafts += removed
            if removed < batch { break }
        }
        if drafts > 0 { report.removed["drafts"] = drafts }
        try await drain("delivered_webhooks") { tx in
            try await tx.execute("""
                DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'delivered'
                                                             AND created_at < \(older(settings.deliveredWebhooksDays)) LIMIT \(batch))
                """)
        }
        try await drain("dead_webhooks") { tx in
            try await tx.execute("""
                DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'dead'
                                                             AND created_at < \(older(settings.deadWebhooksDays)) LIMIT \(batch))
                """)
        }

        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        try await dependencies.pool.withTenant(tenant) { tx in
            try await tx.execute("DELETE FROM retention_runs WHERE ran_at < now() - interval '90 days'")
            if report.total > 0 {
                try await tx.execute("""
                    INSERT INTO retention_runs (tenant_id, removed, total, duration_ms)
                    VALUES (\(tenant.rawValue), \(JSONParameter(report.removed))::jsonb, \(report.total), \(max(milliseconds, 0)))
                    """)
            }
        }
        if report.total > 0 {
            var metadata: Logger.Metadata = ["tenant": "\(slug)", "total": "\(report.total)", "duration_ms": "\(milliseconds)"]
            for (kind, count) in report.removed { metadata[kind] = "\(count)" }
            dependencies.logger.info("Retention removed old records", metadata: metadata)
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
            Run(ranAt: try $0.decode("ran_at"), removed: try $0.decodeJSON("removed", as: [String: Int].self), total: try $0.decode("total"),
                durationMs: try $0.decode("duration_ms"))
        }
    }

    /// "3 delivered emails, 12 audit entries".
    static func summary(_ removed: [String: Int]) -> String {
        labels.compactMap { kind, label in removed[kind].map { "\($0) \(label)" } }.joined(separator: ", ")
    }
}
