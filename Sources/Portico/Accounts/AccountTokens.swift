import Foundation
import PorticoCrypto
import Postgres

/// Single-use, expiring tokens bound to a tenant, an email and a kind. The raw token only
/// travels in the link; the database keeps its SHA-256. Consuming is one atomic UPDATE, so a
/// token works once even when two requests race.
public enum AccountTokens {
    public enum Kind: String, Sendable, PostgresTextEnum {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
        case inviteCustomer = "invite_customer"
        case inviteStaff = "invite_staff"
        case accessCode = "access_code"
        case changeEmail = "change_email"

        public var lifetime: Duration {
            switch self {
            case .resetPassword: .seconds(3600)
            case .verifyEmail, .changeEmail: .seconds(48 * 3600)
            case .inviteCustomer, .inviteStaff: .seconds(7 * 24 * 3600)
            case .accessCode: .seconds(90 * 24 * 3600)
            }
        }
    }

    /// A consumed token and what it was for.
    public struct Consumed: Sendable, Decodable {
        public let email: String
        public let customerId: UUID?
        public let staffId: UUID?
        public let organizationId: UUID?
    }

    /// Whose account a token is for. A password-reset token is one kind for subscribers and
    /// staff alike; the holder keeps a staff link from opening the subscriber form and back.
    public enum Holder: Sendable {
        case customer, staff

        var isStaff: Bool { self == .staff }
    }

    public static func hash(_ token: String) -> String { Digest.sha256Hex(token) }

    public static func insert(
        token: String, kind: Kind, email: String, customerID: UUID? = nil, staffID: UUID? = nil, organizationID: UUID? = nil,
        createdBy: UUID? = nil, lifetime: Duration, in transaction: TenantTransaction
    ) async throws {
        let seconds = Int(lifetime.components.seconds)
        try await transaction.execute(
            """
            INSERT INTO account_tokens (tenant_id, token_hash, kind, email, customer_id, staff_id, organization_id, created_by_staff_id, expires_at)
            VALUES (\(transaction.tenant), \(hash(token)), \(kind), \(email.lowercased()), \(customerID), \(staffID), \(organizationID),
                    \(createdBy), now() + make_interval(secs => \(seconds)))
            """)
    }

    /// Consumes a token of `kind` if it exists in this tenant, is unused and unexpired.
    /// Every failure looks the same to the caller: nil.
    public static func consume(_ token: String, kind: Kind, holder: Holder? = nil, in transaction: TenantTransaction) async throws -> Consumed? {
        guard !token.isEmpty, token.count <= 200 else { return nil }
        return try await transaction.first(
            """
            UPDATE account_tokens SET consumed_at = now()
             WHERE token_hash = \(hash(token)) AND kind = \(kind) AND consumed_at IS NULL AND expires_at > now()
               AND (\(holder?.isStaff)::boolean IS NULL OR (staff_id IS NOT NULL) = \(holder?.isStaff))
            RETURNING email, customer_id, staff_id, organization_id
            """)?.decode(Consumed.self)
    }

    /// Looks a token up without consuming it (to show the form that will consume it).
    public static func peek(_ token: String, kind: Kind, holder: Holder? = nil, in transaction: TenantTransaction) async throws -> Consumed? {
        guard !token.isEmpty, token.count <= 200 else { return nil }
        return try await transaction.first(
            """
            SELECT email, customer_id, staff_id, organization_id FROM account_tokens
             WHERE token_hash = \(hash(token)) AND kind = \(kind) AND consumed_at IS NULL AND expires_at > now()
               AND (\(holder?.isStaff)::boolean IS NULL OR (staff_id IS NOT NULL) = \(holder?.isStaff))
            """)?.decode(Consumed.self)
    }

    /// What became of a token, for a page that explains why its link no longer works. Only
    /// whoever holds the token learns this; a token of another tenant or kind is `unknown`.
    public enum LinkState: Sendable, Equatable { case valid, replaced, used, expired, unknown }

    public static func state(_ token: String, kind: Kind, in transaction: TenantTransaction) async throws -> LinkState {
        guard !token.isEmpty, token.count <= 200,
            let row = try await transaction.first(
                """
                SELECT consumed_at IS NOT NULL AS consumed, revoked_at IS NOT NULL AS revoked, expires_at <= now() AS expired
                  FROM account_tokens WHERE token_hash = \(hash(token)) AND kind = \(kind)
                """)
        else { return .unknown }
        if try row.decode("revoked", as: Bool.self) { return .replaced }
        if try row.decode("consumed", as: Bool.self) { return .used }
        return try row.decode("expired", as: Bool.self) ? .expired : .valid
    }

    /// Withdraws every open token of a kind for a principal (a newer one replaces them): used
    /// up, and marked revoked so its link can say it was replaced.
    public static func revoke(kind: Kind, customerID: UUID? = nil, staffID: UUID? = nil, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            UPDATE account_tokens SET consumed_at = now(), revoked_at = now()
             WHERE kind = \(kind) AND consumed_at IS NULL
               AND ((\(customerID)::uuid IS NOT NULL AND customer_id = \(customerID)) OR (\(staffID)::uuid IS NOT NULL AND staff_id = \(staffID)))
            """)
    }

    /// Uses up the organization's open access code, so only the newest printed one works.
    public static func retireAccessCodes(organizationID: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            "UPDATE account_tokens SET consumed_at = now() WHERE kind = 'access_code' AND organization_id = \(organizationID) AND consumed_at IS NULL"
        )
    }
}
