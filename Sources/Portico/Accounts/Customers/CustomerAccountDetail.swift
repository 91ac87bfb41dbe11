import Foundation
import Postgres

/// Everything the console's subscriber-account page shows, read in one round trip (with the
/// request's COMMIT when its session lookup opened the transaction). Technicians see only
/// their own visits.
struct CustomerAccountDetail: Sendable {
    let organization: Organization
    let members: [Customer]
    let invitations: [UUID: InvitationStatus]
    let equipment: [Equipment]
    let notes: [Note]
    let tasks: [TaskItem]
    /// The newest orders; the page links to the full list.
    let orders: [WorkOrder]
    let appointments: [AppointmentLink]

    static let orderLimit = 20
    static let noteLimit = 50
    /// Visits from this long ago on: the recent past and everything ahead.
    static let visitHistory: TimeInterval = 30 * 86_400

    /// The account `id`; `AppError.notFound` when this tenant has none with that id.
    static func load(
        _ id: UUID, staff: SignedInStaff, tenant: TenantID, pool: ConnectionPool, repositories: Repositories
    ) async throws -> CustomerAccountDetail {
        // The reads do not depend on each other: an unknown id makes every list empty and the
        // missing organization answers 404 below.
        let (organization, members, invitations, equipment, notes, tasks, orders, appointments, team) = try await pool.read(
            tenant,
            repositories.organizations.findQuery(id: id),
            repositories.customers.membersQuery(of: id),
            InvitationStatus.query(organization: id),
            repositories.organizations.equipmentQuery(of: id),
            repositories.notes.listQuery(organization: id, sharedOnly: false, limit: noteLimit),
            repositories.tasks.listQuery(organization: id, status: nil),
            repositories.workOrders.listQuery(WorkOrderFilter(organizationId: id), limit: orderLimit, offset: 0),
            AppointmentLink.query(
                AppointmentFilter(from: Date().addingTimeInterval(-visitHistory), organizationId: id), staff: staff, repositories: repositories),
            repositories.staff.allQuery)
        guard let organization else { throw AppError.notFound("subscriber account") }
        return CustomerAccountDetail(
            organization: organization, members: members,
            invitations: Dictionary(invitations.map { ($0.customerId, $0.status) }, uniquingKeysWith: { first, _ in first }),
            equipment: equipment, notes: notes, tasks: tasks, orders: orders, appointments: AppointmentLink.links(appointments, team: team))
    }
}
