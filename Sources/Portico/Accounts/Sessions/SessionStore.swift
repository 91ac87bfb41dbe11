import Foundation
import PorticoCrypto
import Postgres

/// Server-side sessions in PostgreSQL, shared by every instance. The cookie carries a
/// 256-bit random token; only its SHA-256 is stored. A session belongs to one tenant (the
/// lookup runs scoped to the request's tenant, so another tenant's token finds nothing).
public protocol SessionStore: Sendable {
    /// Creates a session and returns its token (never one the client brought).
    func create(
        kind: PrincipalKind, principal: UUID, remember: Bool, secondFactorPending: Bool, ip: String, userAgent: String,
        in transaction: TenantTransaction
    ) async throws -> String
    /// The query that finds the live session for a token (nil: unknown, idle too long, past
    /// its absolute limit) and touches it; nil when the token cannot be one of ours. A query
    /// value, so the session middleware can send it with `BEGIN` in one round trip.
    func lookup(token: String) -> Query<SessionRecord?>?
    func revoke(token: String, in transaction: TenantTransaction) async throws
    /// Ends every session of a principal, optionally keeping one (password change).
    func revokeAll(kind: PrincipalKind, principal: UUID, except token: String?, in transaction: TenantTransaction) async throws -> Int
    /// Ends a session and opens a fresh one for the same principal (privilege change).
    func rotate(token: String, secondFactorPending: Bool, in transaction: TenantTransaction) async throws -> String?
    func deleteExpired(in transaction: TenantTransaction) async throws -> Int
    /// The live sessions of a principal, newest activity first; `current` marks the caller's own.
    func list(kind: PrincipalKind, principal: UUID, current token: String, in transaction: TenantTransaction) async throws -> [SessionSummary]
    /// Ends one session of this principal by its public id; false when it is not theirs (or gone).
    func revoke(id: UUID, kind: PrincipalKind, principal: UUID, in transaction: TenantTransaction) async throws -> Bool
}

/// One live session as its owner sees it in the list of their devices.
public struct SessionSummary: Sendable, Decodable {
    public let id: UUID
    public let createdAt: Date
    public let lastSeenAt: Date
    public let ip: String
    public let userAgent: String
    public let remember: Bool
    public let secondFactorPending: Bool
    public let current: Bool
}

extension SessionStore {
    /// The live session for a token, or nil.
    public func find(token: String, in transaction: TenantTransaction) async throws -> SessionRecord? {
        guard let lookup = lookup(token: token) else { return nil }
        return try await transaction.run(lookup)
    }
}

public struct PostgresSessionStore: SessionStore {
    let policy: SessionPolicy

    public init(policy: SessionPolicy = SessionPolicy()) { self.policy = policy }

    static func hash(_ token: String) -> String { Digest.sha256Hex(token) }

    public func create(
        kind: PrincipalKind, principal: UUID, remember: Bool, secondFactorPending: Bool, ip: String, userAgent: String,
        in transaction: TenantTransaction
    ) async throws -> String {
        let token = SecureRandom.token()
        // The tenant's own options (within safe bounds) decide the timeouts, read afresh each time.
        let settings = try await PostgresTenantSettingsRepository().security(in: transaction)
        let idle = settings.idleSeconds(kind, remember: remember)
        var absolute = Int(policy.absolute(kind, remember: remember).components.seconds)
        if kind == .customer && remember { absolute = settings.rememberMeDays * 86_400 }
        try await transaction.execute(
            """
            INSERT INTO sessions (tenant_id, token_hash, principal_kind, principal_id, csrf_token, remember, second_factor_pending,
                                  idle_timeout_seconds, expires_at, ip, user_agent)
            VALUES (\(transaction.tenant), \(Self.hash(token)), \(kind), \(principal), \(SecureRandom.token()), \(remember),
                    \(secondFactorPending), \(idle), now() + make_interval(secs => \(absolute)), \(String(ip.prefix(64))),
                    \(String(userAgent.prefix(500))))
            """)
        return token
    }

    public func lookup(token: String) -> Query<SessionRecord?>? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        let touchSeconds = Int(policy.touchInterval.components.seconds)
        // One round trip: the session, its principal's current state, and a throttled touch.
        return Query<SessionRecord?>.first(
            """
            WITH live AS (
                SELECT s.* FROM sessions s
                 WHERE s.token_hash = \(Self.hash(token)) AND s.expires_at > now()
                   AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
            ), touched AS (
                UPDATE sessions SET last_seen_at = now()
                  FROM live WHERE sessions.tenant_id = live.tenant_id AND sessions.token_hash = live.token_hash
                   AND live.last_seen_at < now() - make_interval(secs => \(touchSeconds))
                RETURNING sessions.token_hash
            )
            SELECT live.token_hash, live.principal_kind, live.principal_id, live.csrf_token, live.remember, live.second_factor_pending,
                   live.created_at, live.last_seen_at, live.expires_at,
                   COALESCE(c.name, st.name, '') AS principal_name,
                   COALESCE(c.email, st.email, '') AS principal_email,
                   COALESCE(c.status, st.status, '') AS principal_status,
                   COALESCE(c.language, st.language) AS principal_language,
                   c.organization_id,
                   (c.email_verified_at IS NOT NULL) AS email_verified,
                   st.role AS staff_role, st.time_zone AS staff_time_zone,
                   (st.totp_enabled_at IS NOT NULL) AS staff_totp_enabled,
                   COALESCE((SELECT ts.require_staff_totp FROM tenant_settings ts), false) AS staff_totp_required,
                   (SELECT count(*) FROM touched) AS touched
              FROM live
              LEFT JOIN customers c ON live.principal_kind = 'customer' AND c.tenant_id = live.tenant_id AND c.id = live.principal_id
              LEFT JOIN staff_users st ON live.principal_kind = 'staff' AND st.tenant_id = live.tenant_id AND st.id = live.principal_id
            """, as: SessionRecord.self)
    }

    public func revoke(token: String, in transaction: TenantTransaction) async throws {
        try await transaction.execute("DELETE FROM sessions WHERE token_hash = \(Self.hash(token))")
    }

    public func revokeAll(kind: PrincipalKind, principal: UUID, except token: String?, in transaction: TenantTransaction) async throws -> Int {
        let kept = token.map(Self.hash) ?? ""
        return try await transaction.execute(
            """
            DELETE FROM sessions WHERE principal_kind = \(kind) AND principal_id = \(principal) AND token_hash <> \(kept)
            """)
    }

    public func rotate(token: String, secondFactorPending: Bool, in transaction: TenantTransaction) async throws -> String? {
        let fresh = SecureRandom.token()
        let rows = try await transaction.execute(
            """
            INSERT INTO sessions (tenant_id, token_hash, principal_kind, principal_id, csrf_token, remember, second_factor_pending,
                                  idle_timeout_seconds, created_at, last_seen_at, expires_at, ip, user_agent)
            SELECT tenant_id, \(Self.hash(fresh)), principal_kind, principal_id, \(SecureRandom.token()), remember, \(secondFactorPending),
                   idle_timeout_seconds, now(), now(), expires_at, ip, user_agent
              FROM sessions WHERE token_hash = \(Self.hash(token))
            """)
        guard rows == 1 else { return nil }
        try await revoke(token: token, in: transaction)
        return fresh
    }

    public func list(kind: PrincipalKind, principal: UUID, current token: String, in transaction: TenantTransaction) async throws -> [SessionSummary]
    {
        try await transaction.rows(
            """
            SELECT id, created_at, last_seen_at, ip, user_agent, remember, second_factor_pending,
                   (token_hash = \(Self.hash(token))) AS current
              FROM sessions
             WHERE principal_kind = \(kind) AND principal_id = \(principal)
               AND expires_at > now() AND last_seen_at > now() - make_interval(secs => idle_timeout_seconds)
             ORDER BY token_hash = \(Self.hash(token)) DESC, last_seen_at DESC, created_at DESC
            """
        ).map { try $0.decode(SessionSummary.self) }
    }

    public func revoke(id: UUID, kind: PrincipalKind, principal: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            DELETE FROM sessions WHERE id = \(id) AND principal_kind = \(kind) AND principal_id = \(principal)
            """) == 1
    }

    public func deleteExpired(in transaction: TenantTransaction) async throws -> Int {
        try await transaction.execute(
            """
            DELETE FROM sessions WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(secs => idle_timeout_seconds)
            """)
    }
}
