import Foundation
import Postgres

/// Where a login stands with its invitation, as staff see it on the subscriber pages. A
/// login's status is that of its newest invitation, unless it already has a password.
public enum InvitationStatus: Sendable, Equatable {
    /// No password and no invitation (imported, or created by staff or an integration).
    case notInvited
    case invited(at: Date, expires: Date)
    case expired(at: Date)
    /// Has a password: through an invitation (when it was accepted), or signed up on their own.
    case accepted(at: Date?)

    /// The states staff filter by.
    public enum Key: String, Sendable, CaseIterable {
        case notInvited = "not_invited"
        case invited
        case expired
        case accepted

        public var label: String { L10n.t("console.invitation.key.\(rawValue)") }
    }

    public var key: Key {
        switch self {
        case .notInvited: .notInvited
        case .invited: .invited
        case .expired: .expired
        case .accepted: .accepted
        }
    }

    /// "Invited Tue 4 Jun 2024 · expires Tue 11 Jun 2024".
    public var label: String {
        switch self {
        case .notInvited: L10n.t("console.invitation.key.not_invited")
        case .invited(let at, let expires):
            L10n.t("console.invitation.invited", ["date": DisplayDate.date(at), "expires": DisplayDate.date(expires)])
        case .expired(let at): L10n.t("console.invitation.expired", ["date": DisplayDate.date(at)])
        case .accepted(let at?): L10n.t("console.invitation.accepted", ["date": DisplayDate.date(at)])
        case .accepted(nil): L10n.t("console.invitation.key.accepted")
        }
    }

    /// The newest invitation of a login, as the query below reads it.
    struct Row: Decodable, Sendable {
        let customerId: UUID
        let hasPassword: Bool
        let invitedAt: Date?
        let expiresAt: Date?
        let consumedAt: Date?
        let revokedAt: Date?

        var status: InvitationStatus {
            if hasPassword { return .accepted(at: revokedAt == nil ? consumedAt : nil) }
            guard let invitedAt, let expiresAt, revokedAt == nil, consumedAt == nil else { return .notInvited }
            return expiresAt > Date() ? .invited(at: invitedAt, expires: expiresAt) : .expired(at: expiresAt)
        }
    }

    /// The statuses of these logins.
    static func of(_ customers: [UUID], in tx: TenantTransaction) async throws -> [UUID: InvitationStatus] {
        guard !customers.isEmpty else { return [:] }
        let rows = try await tx.rows(
            """
            SELECT \(SQLFragments.rowColumns) FROM customers c \(SQLFragments.newestInvitation)
             WHERE c.id = ANY(\(customers)::uuid[])
            """
        ).map { try $0.decode(Row.self) }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.customerId, $0.status) })
    }

    /// The statuses of an account's logins, as a query value for a page's other reads.
    static func query(organization: UUID) -> Query<[Row]> {
        .rows(
            """
            SELECT \(SQLFragments.rowColumns) FROM customers c \(SQLFragments.newestInvitation)
             WHERE c.organization_id = \(organization)
            """, as: Row.self)
    }

    /// How many logins of each account are in each state: "2 have a login · 1 not invited".
    static func summaries(of organizations: [UUID], in tx: TenantTransaction) async throws -> [UUID: [(Key, Int)]] {
        guard !organizations.isEmpty else { return [:] }
        var result: [UUID: [(Key, Int)]] = [:]
        for row in try await tx.rows(
            """
            SELECT c.organization_id, \(SQLFragments.state) AS state, count(*)::int AS n
              FROM customers c \(SQLFragments.newestInvitation)
             WHERE c.organization_id = ANY(\(organizations)::uuid[])
             GROUP BY 1, 2
            """)
        {
            guard let key = Key(rawValue: try row.decode("state", as: String.self)) else { continue }
            result[try row.decode("organization_id", as: UUID.self), default: []].append((key, try row.decode("n", as: Int.self)))
        }
        return result.mapValues { counts in counts.sorted { Key.allCases.firstIndex(of: $0.0)! < Key.allCases.firstIndex(of: $1.0)! } }
    }

    /// SQL shared by the queries that need a login's invitation state, for login `c`.
    enum SQLFragments {
        /// The newest invitation of login `c`, as `inv`.
        static let newestInvitation: SQL = """
            LEFT JOIN LATERAL (SELECT a.created_at, a.expires_at, a.consumed_at, a.revoked_at FROM account_tokens a
                                WHERE a.tenant_id = c.tenant_id AND a.customer_id = c.id AND a.kind = 'invite_customer'
                                ORDER BY a.created_at DESC LIMIT 1) inv ON true
            """
        /// The columns of `Row` for login `c` with `inv` joined.
        static let rowColumns: SQL = """
            c.id AS customer_id, c.password_hash IS NOT NULL AS has_password,
            inv.created_at AS invited_at, inv.expires_at, inv.consumed_at, inv.revoked_at
            """
        /// The state of `c` (with `inv` joined) as a `Key` raw value; the same rules as `Row.status`.
        static let state: SQL = """
            CASE WHEN c.password_hash IS NOT NULL THEN 'accepted'
                 WHEN inv.created_at IS NULL OR inv.revoked_at IS NOT NULL OR inv.consumed_at IS NOT NULL THEN 'not_invited'
                 WHEN inv.expires_at > now() THEN 'invited'
                 ELSE 'expired' END
            """
    }
}
