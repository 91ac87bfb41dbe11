import Foundation
import Postgres

/// The operator console's health panel: tenants by state, the email outbox and webhook
/// backlogs (how many wait, and for how long the oldest has), whether the database answers
/// (and how fast), and the versions running. Each part is read on its own, so one that fails
/// says "unavailable" instead of taking the whole console down.
struct PlatformHealth: Sendable {
    struct Backlog: Sendable {
        /// Waiting to be sent (queued or being sent now).
        let waiting: Int
        /// Gave up (dead, or refused for good): needs a person.
        let failed: Int
        let oldestWaiting: Date?
    }

    let tenants: [(status: String, count: Int)]?
    let outbox: Backlog?
    let webhooks: Backlog?
    let databaseMilliseconds: Int?
    let databaseVersion: String?
    let porticoVersion: String

    /// What this binary reports as its version (the same as backups and exports record).
    static let version = PorticoVersion.current

    static func read(pool: ConnectionPool) async -> PlatformHealth {
        let started = ContinuousClock.now
        let databaseVersion = try? await withTimeout(.seconds(2)) {
            try await pool.query("SELECT current_setting('server_version') AS v").rows.first?.decode("v", as: String.self)
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds =
            databaseVersion == nil
            ? nil
            : Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let tenants = try? await pool.query("SELECT status, count(*)::int AS n FROM tenants GROUP BY status ORDER BY status").rows.map {
            (status: try $0.decode("status", as: String.self), count: try $0.decode("n", as: Int.self))
        }
        let outbox = try? await OutboxDelivery.acrossTenants(pool) { tx in
            try backlog(
                try await tx.first(
                    """
                    SELECT count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS waiting,
                           count(*) FILTER (WHERE status IN ('dead', 'failed'))::int AS failed,
                           min(created_at) FILTER (WHERE status IN ('queued', 'sending')) AS oldest
                      FROM outbox
                    """))
        }
        let webhooks = try? await WebhookDelivery.acrossTenants(pool) { tx in
            try backlog(
                try await tx.first(
                    """
                    SELECT count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS waiting,
                           count(*) FILTER (WHERE status = 'dead')::int AS failed,
                           min(created_at) FILTER (WHERE status IN ('queued', 'sending')) AS oldest
                      FROM webhook_deliveries
                    """))
        }
        return PlatformHealth(
            tenants: tenants, outbox: outbox, webhooks: webhooks, databaseMilliseconds: milliseconds,
            databaseVersion: databaseVersion, porticoVersion: version)
    }

    private static func backlog(_ row: Row?) throws -> Backlog {
        guard let row else { return Backlog(waiting: 0, failed: 0, oldestWaiting: nil) }
        return Backlog(
            waiting: try row.decode("waiting", as: Int.self), failed: try row.decode("failed", as: Int.self),
            oldestWaiting: try row.decode("oldest", as: Date?.self))
    }

    /// "3 min", "2 h 5 min", "4 days" (in the request's language): how long the oldest waiting
    /// item has waited.
    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        let texts = L10n.texts
        switch seconds {
        case ..<60: return texts.plural("operator.health.age.seconds", count: seconds)
        case ..<3600: return texts.plural("operator.health.age.minutes", count: seconds / 60)
        case ..<86_400: return texts("operator.health.age.hours", ["hours": "\(seconds / 3600)", "minutes": "\(seconds % 3600 / 60)"])
        default: return texts.plural("operator.health.age.days", count: seconds / 86_400)
        }
    }
}
