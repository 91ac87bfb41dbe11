import Foundation
import Postgres

/// The notes staff shared with a subscriber (the portal's notes page): those for the whole
/// organization and those for this customer, in one round trip with the request's COMMIT.
enum SharedNotes {
    static let limit = 200

    static func load(for customer: SignedInCustomer, tenant: TenantID, pool: ConnectionPool, repositories: Repositories) async throws -> [Note] {
        let notes = try await pool.read(tenant, repositories.notes.listQuery(organization: customer.organizationId, sharedOnly: true, limit: limit))
        return notes.filter { $0.customerId == nil || $0.customerId == customer.id }
    }
}
