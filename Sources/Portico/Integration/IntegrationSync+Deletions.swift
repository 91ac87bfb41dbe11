import Foundation
import Postgres

/// An erased customer as the integration API and the `customer.deleted` webhook show it.
struct DeletedCustomerResource: Encodable, Sendable {
    let id: String
    let externalId: String?
    let organizationId: String
    let organizationExternalId: String?
    let deletedAt: String

    init(_ tombstone: DeletedCustomer) {
        id = tombstone.id.uuidString.lowercased()
        externalId = tombstone.externalId
        organizationId = tombstone.organizationId.uuidString.lowercased()
        organizationExternalId = tombstone.organizationExternalId
        deletedAt = ISODates.format(tombstone.deletedAt)
    }

    // The external ids are always present (null when the record had none).
    enum CodingKeys: String, CodingKey { case id, externalId, organizationId, organizationExternalId, deletedAt }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(externalId, forKey: .externalId)
        try container.encode(organizationId, forKey: .organizationId)
        try container.encode(organizationExternalId, forKey: .organizationExternalId)
        try container.encode(deletedAt, forKey: .deletedAt)
    }
}

extension IntegrationSync {
    /// Customers erased since `since` (the customer listing cannot show what no longer exists).
    func deletedCustomers(
        since: Date?, after cursor: SyncCursor?, limit: Int, tenant: ResolvedTenant
    ) async throws -> APIPage<DeletedCustomerResource> {
        let rows = try await pool.withTenant(tenant.id) { tx in
            try await repositories.deletedCustomers.changed(since: since, after: cursor, limit: limit + 1, in: tx)
        }
        return APIPage(rows: rows, limit: limit, DeletedCustomerResource.init)
    }
}
