import Foundation
import Postgres

/// `portico outbox status`: messages by status across tenants.
public enum OutboxCommands {
    public static func status(environment: CommandEnvironment) async throws -> String {
        let rows = try await OutboxDelivery.acrossTenants(environment.pool) { tx in
            try await tx.rows(
                """
                SELECT status, count(*)::int AS n, min(created_at) FILTER (WHERE status = 'queued') AS oldest_queued
                  FROM outbox GROUP BY status ORDER BY status
                """)
        }
        var counts: [String: Int] = [:]
        var oldest: Date?
        for row in rows {
            counts[try row.decode("status", as: String.self)] = try row.decode("n", as: Int.self)
            if let date = try row.decode("oldest_queued", as: Date?.self) { oldest = date }
        }
        var lines = OutboxStatus.allCases.map { "\($0.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(counts[$0.rawValue] ?? 0)" }
        if let oldest { lines.append("oldest queued: \(ISODates.format(oldest))") }
        return lines.joined(separator: "\n")
    }
}
