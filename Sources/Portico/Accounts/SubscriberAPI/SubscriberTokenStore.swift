import Foundation
import PorticoCrypto
import Postgres

/// A freshly issued pair. The raw tokens exist only in this value and in the response.
public struct IssuedTokens: Sendable, Encodable {
    public let accessToken: String
    public let refreshToken: String
    public let tokenType: String
    /// Seconds the access token lives.
    public let expiresIn: Int
}

/// What a refresh token turned out to be.
public enum RefreshOutcome: Sendable {
    case rotated(IssuedTokens, customerID: UUID)
    /// Unknown, expired or revoked: nothing happened.
    case invalid
    /// Already used once: it leaked or was replayed, so its family has been revoked.
    case reused(customerID: UUID)
}

/// Access and refresh tokens of the subscriber API (storage seam).
public protocol SubscriberTokenStore: Sendable {
    /// Starts a new family (a sign-in) and issues its first pair.
    func issue(customer: UUID, origin: RequestOrigin, in transaction: TenantTransaction) async throws -> IssuedTokens
    /// The signed-in subscriber for a live access token, or nil.
    func authenticate(accessToken: String, in transaction: TenantTransaction) async throws -> APISubscriber?
    /// Exchanges a refresh token for a new pair (single use; reuse revokes the family).
    func refresh(_ refreshToken: String, origin: RequestOrigin, in transaction: TenantTransaction) async throws -> RefreshOutcome
    /// Revokes every token of a family (logout).
    func revokeFamily(_ family: UUID, in transaction: TenantTransaction) async throws
    /// Revokes every token of a subscriber (password change or reset, suspension).
    func revokeAll(customer: UUID, in transaction: TenantTransaction) async throws
    /// Housekeeping: tokens expired or revoked more than a day ago.
    func deleteExpired(in transaction: TenantTransaction) async throws -> Int
    /// The subscriber's live sign-ins (families with a usable refresh token), latest first.
    func families(customer: UUID, in transaction: TenantTransaction) async throws -> [APISignIn]
    /// Ends one of the subscriber's sign-ins; false when the family is not theirs or already over.
    func revokeFamily(_ family: UUID, customer: UUID, in transaction: TenantTransaction) async throws -> Bool
}

/// An app sign-in (a token family) as its owner sees it among their devices.
public struct APISignIn: Sendable, Decodable {
    public let familyId: UUID
    public let signedInAt: Date
    /// When the app last refreshed its tokens (using an access token is not recorded).
    public let lastRefreshAt: Date
    public let ip: String
    public let userAgent: String
}

public struct PostgresSubscriberTokenStore: SubscriberTokenStore {
    /// 15 minutes: a stolen access token is useful briefly; clients refresh.
    public static let accessLifetime = 15 * 60
    /// 30 days: a phone stays signed in for a month of disuse.
    public static let refreshLifetime = 30 * 24 * 3600

    static let accessPrefix = "pa_"
    static let refreshPrefix = "pr_"

    public init() {}

    public func issue(customer: UUID, origin: RequestOrigin, in transaction: TenantTransaction) async throws -> IssuedTokens {
        try await issuePair(customer: customer, family: UUID(), origin: origin, in: transaction)
    }

    func issuePair(customer: UUID, family: UUID, origin: RequestOrigin, in tx: TenantTransaction) async throws -> IssuedTokens {
        let access = Self.accessPrefix + SecureRandom.token()
        let refresh = Self.refreshPrefix + SecureRandom.token()
        let ip = String(origin.ip.prefix(64))
        let agent = String(origin.userAgent.prefix(500))
        try await tx.execute(
            """
            INSERT INTO api_tokens (tenant_id, token_hash, kind, family_id, customer_id, expires_at, ip, user_agent)
            VALUES (\(tx.tenant), \(Digest.sha256Hex(access)), 'access', \(family), \(customer),
                    now() + make_interval(secs => \(Self.accessLifetime)), \(ip), \(agent)),
                   (\(tx.tenant), \(Digest.sha256Hex(refresh)), 'refresh', \(family), \(customer),
                    now() + make_interval(secs => \(Self.refreshLifetime)), \(ip), \(agent))
            """)
        return IssuedTokens(accessToken: access, refreshToken: refresh, tokenType: "Bearer", expiresIn: Self.accessLifetime)
    }

    struct Principal: Decodable {
        let id: UUID
        let organizationId: UUID
        let name: String
        let email: String
        let emailVerified: Bool
        let familyId: UUID
    }

    public func authenticate(accessToken: String, in tx: TenantTransaction) async throws -> APISubscriber? {
        guard accessToken.hasPrefix(Self.accessPrefix), accessToken.count <= 100 else { return nil }
        // Suspended or locked subscribers lose API access at once, as they lose their sessions.
        guard
            let row = try await tx.first(
                """
                SELECT c.id, c.organization_id, c.name, c.email, c.email_verified_at IS NOT NULL AS email_verified, t.family_id
                  FROM api_tokens t JOIN customers c ON c.tenant_id = t.tenant_id AND c.id = t.customer_id
                 WHERE t.token_hash = \(Digest.sha256Hex(accessToken)) AND t.kind = 'access'
                   AND t.revoked_at IS NULL AND t.expires_at > now() AND c.status IN ('active', 'pending')
                """)
        else { return nil }
        let principal = try row.decode(Principal.self)
        return APISubscriber(
            customer: SignedInCustomer(
                id: principal.id, organizationId: principal.organizationId, name: principal.name,
                email: principal.email, emailVerified: principal.emailVerified),
            tokenFamily: principal.familyId
        )
    }

    struct Presented: Decodable {
        let familyId: UUID
        let customerId: UUID
        let used: Bool
        let live: Bool
    }

    public func refresh(_ refreshToken: String, origin: RequestOrigin, in tx: TenantTransaction) async throws -> RefreshOutcome {
        guard refreshToken.hasPrefix(Self.refreshPrefix), refreshToken.count <= 100 else { return .invalid }
        let hash = Digest.sha256Hex(refreshToken)
        // The row lock makes two concurrent refreshes of one token serialise: the second sees
        // it used and is treated as reuse.
        guard
            let row = try await tx.first(
                """
                SELECT t.family_id, t.customer_id, t.used_at IS NOT NULL AS used,
                       (t.revoked_at IS NULL AND t.expires_at > now() AND c.status IN ('active', 'pending')) AS live
                  FROM api_tokens t JOIN customers c ON c.tenant_id = t.tenant_id AND c.id = t.customer_id
                 WHERE t.token_hash = \(hash) AND t.kind = 'refresh'
                   FOR UPDATE OF t
                """)
        else { return .invalid }
        let presented = try row.decode(Presented.self)
        if presented.used {
            try await revokeFamily(presented.familyId, in: tx)
            return .reused(customerID: presented.customerId)
        }
        guard presented.live else { return .invalid }
        try await tx.execute("UPDATE api_tokens SET used_at = now() WHERE token_hash = \(hash)")
        // The access token of the previous pair ends with it.
        try await tx.execute(
            """
            UPDATE api_tokens SET revoked_at = now()
             WHERE family_id = \(presented.familyId) AND kind = 'access' AND revoked_at IS NULL
            """)
        let tokens = try await issuePair(customer: presented.customerId, family: presented.familyId, origin: origin, in: tx)
        return .rotated(tokens, customerID: presented.customerId)
    }

    public func revokeFamily(_ family: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("UPDATE api_tokens SET revoked_at = now() WHERE family_id = \(family) AND revoked_at IS NULL")
    }

    public func families(customer: UUID, in tx: TenantTransaction) async throws -> [APISignIn] {
        try await tx.rows(
            """
            SELECT family_id, min(created_at) AS signed_in_at, max(created_at) AS last_refresh_at,
                   (array_agg(ip ORDER BY created_at DESC))[1] AS ip, (array_agg(user_agent ORDER BY created_at DESC))[1] AS user_agent
              FROM api_tokens WHERE customer_id = \(customer)
             GROUP BY family_id
            HAVING bool_or(kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now())
             ORDER BY max(created_at) DESC
            """
        ).map { try $0.decode(APISignIn.self) }
    }

    public func revokeFamily(_ family: UUID, customer: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE api_tokens SET revoked_at = now() WHERE family_id = \(family) AND customer_id = \(customer) AND revoked_at IS NULL
            """) > 0
    }

    public func revokeAll(customer: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("UPDATE api_tokens SET revoked_at = now() WHERE customer_id = \(customer) AND revoked_at IS NULL")
    }

    public func deleteExpired(in tx: TenantTransaction) async throws -> Int {
        try await tx.execute(
            """
            DELETE FROM api_tokens WHERE expires_at < now() - interval '1 day' OR revoked_at < now() - interval '1 day'
            """)
    }
}
