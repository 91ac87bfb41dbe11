import Foundation
import Postgres

/// A security- or admin-relevant action.
public struct AuditEvent: Sendable, Decodable {
    public let id: Int64
    public let occurredAt: Date
    public let actorKind: String
    public let actorId: UUID?
    public let actorLabel: String
    public let action: String
    public let targetKind: String
    public let targetId: String
    public let ip: String
    public let userAgent: String
}

public struct NewAuditEvent: Sendable {
    public var actorKind: String
    public var actorId: UUID?
    public var actorLabel: String
    public var action: String
    public var targetKind: String
    public var targetId: String
    public var ip: String
    public var userAgent: String
    public var details: [String: String]

    public init(
        actorKind: String, actorId: UUID? = nil, actorLabel: String = "", action: String, targetKind: String = "",
        targetId: String = "", ip: String = "", userAgent: String = "", details: [String: String] = [:]
    ) {
        self.actorKind = actorKind
        self.actorId = actorId
        self.actorLabel = actorLabel
        self.action = action
        self.targetKind = targetKind
        self.targetId = targetId
        self.ip = ip
        self.userAgent = String(userAgent.prefix(500))
        self.details = details
    }
}

public struct AuditFilter: Sendable {
    public var action: String?
    public var actor: String?
    public var from: String?
    public var to: String?

    public init(action: String? = nil, actor: String? = nil, from: String? = nil, to: String? = nil) {
        self.action = action
        self.actor = actor
        self.from = from
        self.to = to
    }
}

public protocol AuditRepository: Sendable {
    func record(_ event: NewAuditEvent, in transaction: TenantTransaction) async throws
    func list(_ filter: AuditFilter, limit: Int, offset: Int, in transaction: TenantTransaction) async throws -> [AuditEvent]
}

public struct PostgresAuditRepository: AuditRepository {
    public init() {}

    public func record(_ event: NewAuditEvent, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            INSERT INTO audit_events (tenant_id, actor_kind, actor_id, actor_label, action, target_kind, target_id, ip, user_agent, details)
            VALUES (\(transaction.tenant), \(event.actorKind), \(event.actorId), \(String(event.actorLabel.prefix(254))), \(event.action),
                    \(event.targetKind), \(event.targetId), \(event.ip), \(event.userAgent), \(JSONParameter(event.details))::jsonb)
            """)
    }

    public func list(_ filter: AuditFilter, limit: Int, offset: Int, in transaction: TenantTransaction) async throws -> [AuditEvent] {
        var conditions: [SQL] = ["true"]
        if let action = filter.action, !action.isEmpty { conditions.append("action = \(action)") }
        if let actor = filter.actor, !actor.isEmpty {
            conditions.append("lower(actor_label) LIKE \("%" + SQLPattern.escapeLike(actor.lowercased()) + "%")")
        }
        // Days of the reader's calendar (the filter was typed in their zone).
        if let from = filter.from { conditions.append("occurred_at >= \(DisplayDate.current.startOfDay(from))") }
        if let to = filter.to { conditions.append("occurred_at < \(DisplayDate.current.endOfDay(to))") }
        return try await transaction.rows(
            """
            SELECT id, occurred_at, actor_kind, actor_id, actor_label, action, target_kind, target_id, ip, user_agent
              FROM audit_events WHERE \(SQL.join(conditions, separator: " AND "))
             ORDER BY occurred_at DESC, id DESC \(SQL.limit(limit, offset: offset))
            """
        ).map { try $0.decode(AuditEvent.self) }
    }
}

extension NewAuditEvent {
    /// What a signed-in staff member did, from where. Without an action: the actor alone, for
    /// a service that names what was done (`IntegrationKeys`).
    static func byStaff(
        _ staff: SignedInStaff, _ action: String = "", targetKind: String = "", targetId: String = "", origin: RequestOrigin,
        details: [String: String] = [:]
    ) -> NewAuditEvent {
        NewAuditEvent(
            actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: action, targetKind: targetKind, targetId: targetId,
            ip: origin.ip, userAgent: origin.userAgent, details: details)
    }
}
