import Foundation
import Postgres

/// An operator or CLI action on the platform (`platform_audit_events`): it must outlive the
/// tenant it concerns, so it is not in that tenant's audit log.
public struct PlatformAuditEvent: Sendable {
    public enum ActorKind: String, Sendable { case `operator`, cli, system }

    public var actorKind: ActorKind
    public var actorId: UUID?
    public var actorLabel: String
    public var action: String
    public var targetKind: String
    public var targetId: String
    public var ip: String
    public var details: [String: String]

    public init(
        actorKind: ActorKind, actorId: UUID? = nil, actorLabel: String, action: String, targetKind: String = "", targetId: String = "",
        ip: String = "", details: [String: String] = [:]
    ) {
        self.actorKind = actorKind
        self.actorId = actorId
        self.actorLabel = String(actorLabel.prefix(254))
        self.action = action
        self.targetKind = targetKind
        self.targetId = targetId
        self.ip = ip
        self.details = details
    }

    /// The person at the terminal, as far as the process can tell: `user@host`.
    public static var cliActorLabel: String {
        // Who is at the terminal, not a setting: kept out of the configuration variables.
        let session = ProcessInfo.processInfo.environment
        let user = session["SUDO_USER"] ?? session["USER"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }

    public func record(on db: some QueryRunner) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(details), as: UTF8.self)
        try await db.execute(
            """
            INSERT INTO platform_audit_events (actor_kind, actor_id, actor_label, action, target_kind, target_id, ip, details)
            VALUES (\(actorKind.rawValue), \(actorId), \(actorLabel), \(action), \(targetKind), \(targetId), \(ip), \(json)::jsonb)
            """)
    }
}

/// A recorded platform event, as the operator console lists them.
public struct RecordedPlatformEvent: Sendable, Decodable {
    public let occurredAt: Date
    public let actorKind: String
    public let actorLabel: String
    public let action: String
    public let targetKind: String
    public let targetId: String

    public static func recent(targetKind: String, targetId: String, limit: Int = 20, pool: ConnectionPool) async throws -> [RecordedPlatformEvent] {
        try await pool.query(
            """
            SELECT occurred_at, actor_kind, actor_label, action, target_kind, target_id FROM platform_audit_events
             WHERE target_kind = \(targetKind) AND target_id = \(targetId) ORDER BY occurred_at DESC, id DESC LIMIT \(limit)
            """
        ).rows.map { try $0.decode(RecordedPlatformEvent.self) }
    }
}
