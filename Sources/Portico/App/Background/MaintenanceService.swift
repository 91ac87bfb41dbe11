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
    let dependencies: AppDependencies
    let interval: Duration

    public init(dependencies: AppDependencies, interval: Duration = .seconds(300)) {
        self.dependencies = dependencies
        self.interval = interval
    }

    public func run() async throws {
        let logger = dependencies.logger
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await sweep()
                try await dependencies.appointmentReminders.send()
                ImportFiles(dataDirectory: dependencies.configuration.dataDirectory).sweep()
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
        for due in try await DueWork(pool: dependencies.pool).housekeeping() {
            // Each tenant's retention settings: audit log, outbox mail, ended sessions, used
            // links, untouched drafts, webhook deliveries (RetentionJob, in small batches).
            if due.retention {
                removed += try await dependencies.retentionJob().run(tenant: due.tenant, slug: due.slug).total
            }
            if due.apiTokens {
                removed += try await dependencies.pool.withTenant(due.tenant) { tx in
                    try await dependencies.repositories.apiTokens.deleteExpired(in: tx)
                }
            }
        }
        removed += try await dependencies.pool.query(
            """
            DELETE FROM operator_sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => idle_timeout_seconds)
            """
        ).affectedRows
        removed += try await dependencies.pool.query(
            """
            DELETE FROM operator_tokens WHERE expires_at < now() - interval '7 days' OR consumed_at < now() - interval '7 days'
            """
        ).affectedRows
        removed += try await dependencies.rateLimiter.deleteStale()
        // Half-written uploads of a process that crashed mid-upload (a finished or refused one
        // never leaves any).
        if let files = dependencies.blobStore as? FileBlobStore {
            removed += try await files.removeAbandonedTemporaryFiles()
        }
        return removed
    }
}
