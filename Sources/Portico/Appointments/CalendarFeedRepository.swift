import Foundation
import Postgres

/// Private calendar feeds (`calendar_feeds`): at most one per organization, found by the hash
/// of the token in its URL. The token itself is never stored.
public protocol CalendarFeedRepository: Sendable {
    /// Makes `tokenHash` the organization's only feed: the previous URL stops working.
    func replace(organization: UUID, tokenHash: String, in transaction: TenantTransaction) async throws
    func revoke(organization: UUID, in transaction: TenantTransaction) async throws
    func exists(organization: UUID, in transaction: TenantTransaction) async throws -> Bool
    /// The organization whose feed URL carries the token with this hash.
    func organization(tokenHash: String, in transaction: TenantTransaction) async throws -> UUID?
}

public struct PostgresCalendarFeedRepository: CalendarFeedRepository {
    public init() {}

    public func replace(organization: UUID, tokenHash: String, in tx: TenantTransaction) async throws {
        try await revoke(organization: organization, in: tx)
        try await tx.execute(
            """
            INSERT INTO calendar_feeds (tenant_id, organization_id, token_hash) VALUES (\(tx.tenant), \(organization), \(tokenHash))
            """)
    }

    public func revoke(organization: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("DELETE FROM calendar_feeds WHERE organization_id = \(organization)")
    }

    public func exists(organization: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await tx.scalar("SELECT EXISTS (SELECT 1 FROM calendar_feeds WHERE organization_id = \(organization))", as: Bool.self) ?? false
    }

    public func organization(tokenHash: String, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.scalar("SELECT organization_id FROM calendar_feeds WHERE token_hash = \(tokenHash)", as: UUID.self)
    }
}
