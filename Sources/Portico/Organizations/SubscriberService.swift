import Foundation
import Postgres

/// What the portal's service page shows of the subscriber's account: plan, address, equipment
/// and installation history, read in one round trip with the request's COMMIT.
struct SubscriberService: Sendable {
    let organization: Organization
    let equipment: [Equipment]
    let installs: [InstallationHistory.Entry]

    static func load(organization id: UUID, tenant: TenantID, pool: ConnectionPool, repositories: Repositories) async throws -> SubscriberService {
        let (organization, equipment, orders) = try await pool.read(
            tenant, repositories.organizations.findQuery(id: id), repositories.organizations.equipmentQuery(of: id),
            InstallationHistory.completedInstalls(organization: id))
        guard let organization else { throw AppError.notFound() }
        return SubscriberService(
            organization: organization, equipment: equipment, installs: InstallationHistory.merge(equipment: equipment, orders: orders))
    }
}
