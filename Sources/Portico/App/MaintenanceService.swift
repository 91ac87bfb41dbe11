import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Housekeeping inside `portico serve`, every five minutes: expired sessions, used or expired
/// tokens, old outbox mail (sent: 30 days, failed or dead: 90), quiet rate-limit counters,
/// abandoned partial uploads, appointment reminders, and CSV import uploads older than a day. Tenant tables are handled tenant by tenant (RLS holds everywhere).
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
                try await AppointmentReminders(dependencies: dependencies).send()
                ImportFiles(dataDirectory: dependencies.configuration.dataDirectory).sweep()
            } catch {
                logger.warning("Maintenance pass failed; will try again", metadata: ["error": "\(error)"])
            }
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    static let sentMailRetention: SQL = "interval '30 days'"
    static let undeliveredMailRetention: SQL = "interval '90 days'"

    /// One pass; returns how many rows went.
    @discardableResult
    public func sweep() async throws -> Int {
        var removed = 0
        for tenant in try await dependencies.tenants.allTenants() {
            removed += try await dependencies.pool.withTenant(tenant.id) { tx in
                let sessions = try await dependencies.sessions.deleteExpired(in: tx)
                let apiTokens = try await dependencies.repositories.apiTokens.deleteExpired(in: tx)
                let tokens = try await tx.execute("""
                    DELETE FROM account_tokens WHERE expires_at < now() - interval '7 days' OR consumed_at < now() - interval '7 days'
                    """)
                // Old mail: delivered after 30 days, refused or dead after 90 (its one-time
                // links were cleared when it stopped; the rest is personal data kept no longer).
                let mail = try await tx.execute("""
                    DELETE FROM outbox
                     WHERE (status = 'sent' AND created_at < now() - \(Self.sentMailRetention))
                        OR (status IN ('failed', 'dead') AND created_at < now() - \(Self.undeliveredMailRetention))
                    """)
                return sessions + apiTokens + tokens + mail
            }
        }
        removed += try await dependencies.pool.query("""
            DELETE FROM operator_sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => idle_timeout_seconds)
            """).affectedRows
        removed += try await dependencies.pool.query("""
            DELETE FROM operator_tokens WHERE expires_at < now() - interval '7 days' OR consumed_at < now() - interval '7 days'
            """).affectedRows
        removed += try await dependencies.rateLimiter.deleteStale()
        // Half-written uploads of a process that crashed mid-upload (a finished or refused one
        // never leaves any).
        if let files = dependencies.blobStore as? FileBlobStore {
            removed += try await files.removeAbandonedTemporaryFiles()
        }
        return removed
    }
}
