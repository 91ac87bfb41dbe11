import Foundation
import Postgres

/// What is left of an erased customer for the systems that sync with Portico: its ids, and
/// when it went. Nothing that names the person.
public struct DeletedCustomer: Sendable, Decodable, Equatable {
    public let id: UUID
    public let externalId: String?
    public let organizationId: UUID
    public let organizationExternalId: String?
    public let deletedAt: Date
}

/// Tombstones of erased customers (`deleted_customers`), written by `CustomerErasure` in the
/// erasing transaction and listed to integrations in deletion order.
public protocol DeletedCustomerRepository: Sendable {
    func record(
        customer: UUID, externalId: String?, organization: UUID, organizationExternalId: String?,
        in transaction: TenantTransaction
    ) async throws -> DeletedCustomer
    /// Tombstones with `deleted_at >= since` after `cursor`, oldest first.
    func changed(
        since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction
    ) async throws -> [(DeletedCustomer, SyncCursor)]
}

public struct PostgresDeletedCustomerRepository: DeletedCustomerRepository {
    public init() {}

    public func record(
        customer: UUID, externalId: String?, organization: UUID, organizationExternalId: String?,
        in transaction: TenantTransaction
    ) async throws -> DeletedCustomer {
        try await transaction.first(
            """
            INSERT INTO deleted_customers (tenant_id, id, external_id, organization_id, organization_external_id)
            VALUES (\(transaction.tenant), \(customer), \(externalId), \(organization), \(organizationExternalId))
            RETURNING id, external_id, organization_id, organization_external_id, deleted_at
            """)!.decode(DeletedCustomer.self)
    }

    public func changed(
        since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction
    ) async throws -> [(DeletedCustomer, SyncCursor)] {
        try await transaction.rows(
            """
            SELECT id, external_id, organization_id, organization_external_id, deleted_at, deleted_at::text AS sync_key
              FROM deleted_customers WHERE \(SyncCursor.condition(since: since, after: cursor, time: "deleted_at"))
             ORDER BY deleted_at, id LIMIT \(limit)
            """
        ).map { row in
            let tombstone = try row.decode(DeletedCustomer.self)
            return (tombstone, SyncCursor(updatedAt: try row.decode("sync_key", as: String.self), id: tombstone.id))
        }
    }
}
