import Foundation
import Postgres

/// A subscriber's requests to delete their login.
enum DeletionRequests {
    struct Pending: Sendable, Decodable {
        let id: UUID
        let customerId: UUID
        let organizationId: UUID
        let name: String
        let email: String
        let accountNumber: String
        let organizationName: String
        let reason: String
        let requestedAt: Date
    }

    struct Closed: Sendable, Decodable {
        let accountNumber: String
        let status: String
        let requestedAt: Date
        let resolvedAt: Date
        let resolvedBy: String
    }

    static func pending(for customer: UUID, in tx: TenantTransaction) async throws -> Date? {
        try await pendingRequest(for: customer, in: tx)?.requestedAt
    }

    /// The customer's open request: when they asked and the reason they gave.
    static func pendingRequest(for customer: UUID, in tx: TenantTransaction) async throws -> (requestedAt: Date, reason: String)? {
        try await tx.first("SELECT requested_at, reason FROM deletion_requests WHERE customer_id = \(customer) AND status = 'pending'").map {
            (requestedAt: try $0.decode("requested_at", as: Date.self), reason: try $0.decode("reason", as: String.self))
        }
    }

    static func pending(in tx: TenantTransaction) async throws -> [Pending] {
        try await tx.rows(
            """
            SELECT r.id, r.customer_id, r.organization_id, c.name, c.email, o.account_number, o.name AS organization_name, r.reason, r.requested_at
              FROM deletion_requests r
              JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id
              JOIN organizations o ON o.tenant_id = r.tenant_id AND o.id = r.organization_id
             WHERE r.status = 'pending' ORDER BY r.requested_at
            """
        ).map { try $0.decode(Pending.self) }
    }

    /// Recently closed requests: carried out (naming nobody any more) or withdrawn.
    static func recentlyClosed(limit: Int, in tx: TenantTransaction) async throws -> [Closed] {
        try await tx.rows(
            """
            SELECT o.account_number, r.status, r.requested_at, r.resolved_at, r.resolved_by
              FROM deletion_requests r JOIN organizations o ON o.tenant_id = r.tenant_id AND o.id = r.organization_id
             WHERE r.status <> 'pending' ORDER BY r.resolved_at DESC LIMIT \(limit)
            """
        ).map { try $0.decode(Closed.self) }
    }

    /// Records the subscriber's request; the caller has checked that none is pending.
    static func create(customer: UUID, organization: UUID, reason: String, in tx: TenantTransaction) async throws {
        try await tx.execute(
            """
            INSERT INTO deletion_requests (tenant_id, customer_id, organization_id, reason)
            VALUES (\(tx.tenant), \(customer), \(organization), \(reason))
            """)
    }

    /// Withdraws the subscriber's pending request; false when there was none.
    static func withdraw(customer: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await tx.execute(
            """
            UPDATE deletion_requests SET status = 'withdrawn', resolved_at = now(), resolved_by = 'subscriber'
             WHERE customer_id = \(customer) AND status = 'pending'
            """) > 0
    }
}
