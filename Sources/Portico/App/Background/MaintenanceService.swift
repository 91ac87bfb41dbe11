import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Housekeeping inside `portico serve`, every five minutes: each tenant's retention settings
/// (audit log, outbox mail, ended sessions, used links, untouched drafts, webhook deliveries;
/// see `RetentionJob`), expired API tokens, operator sessions and links, quiet rate-limit
/// counters, abandoned partial uploads, appointment reminders, and CSV import uploads older
/// than a day. One statement finds the tenants with something due (`DueWork`); tenant tables
/// are then handled tenant by tenant for those alone (RLS holds everywhere), so a pass over
/// 10,000 mostly idle tenants costs milliseconds, not a transaction per tenant.
public struct MaintenanceService: Service {
    let pool: ConnectionPool
    let repositories: Repositories
    let rateLimiter: RateLimiter
    let blobStore: any BlobStore
    let logger: Logger
    let imports: ImportFiles
    let retention: RetentionJob
    let reminders: AppointmentReminders
    let interval: Duration

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await sweep()
                try await reminders.send()
                imports.sweep()
            } catch {
                logger.warning("Maintenance pass failed; will try again", metadata: ["error": "\(error)"])
            }
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass; returns how many rows went.
    @discardableResult
    public func sweep() async throws -> Int {
        var removed = 0
        // Only tenants with something due (one statement finds them across all tenants).
        for due in try await DueWork(pool: pool).housekeeping() {
            // Each tenant's retention settings: audit log, outbox mail, ended sessions, used
            // links, untouched drafts, webhook deliveries (RetentionJob, in small batches).
            if due.retention {
                removed += try await retention.run(tenant: due.tenant, slug: due.slug).total
            }
            if due.apiTokens {
                removed += try await pool.withTenant(due.tenant) { tx in
                    try await repositories.apiTokens.deleteExpired(in: tx)
                }
            }
        }
        removed += try await pool.query(
            """
            DELETE FROM operator_sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => idle_timeout_seconds)
            """
        ).affectedRows
        removed += try await pool.query(
            """
            DELETE FROM operator_tokens WHERE expires_at < now() - interval '7 days' OR consumed_at < now() - interval '7 days'
            """
        ).affectedRows
        removed += try await rateLimiter.deleteStale()
        // Half-written uploads of a process that crashed mid-upload (a finished or refused one
        // never leaves any).
        if let files = blobStore as? FileBlobStore {
            removed += try await files.removeAbandonedTemporaryFiles()
        }
        return removed
    }
}
