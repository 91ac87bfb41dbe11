import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

/// `/admin/customers` (agents and admins): subscriber accounts with their members, plan,
/// service status and equipment; create and edit; invite a member by email or print an
/// access-code letter; send or resend a login's invitation and see where each stands; suspend
/// and reactivate logins; notes and tasks; a read-only, audited "view as the subscriber".
struct AdminCustomersController {
    let customers: StaffSubscriberAccounts
    let renderer: PageRenderer
    let accounts: CustomerAccounts
    let invitations: CustomerInvitations
    let tasks: StaffTasks
    static let pageSize = 50

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.customers, use: list)
        group.get(ConsoleRoutes.newCustomer, use: newForm)
        group.post(ConsoleRoutes.customers, use: create)
        group.get(ConsoleRoutes.customerByAccount, use: byAccountNumber)
        group.get(ConsoleRoutes.customer, use: detail)
        group.post(ConsoleRoutes.customer, use: update)
        group.post(ConsoleRoutes.customerInvite, use: invite)
        group.post(ConsoleRoutes.customerAccessCode, use: accessCode)
        group.post(ConsoleRoutes.customerMemberInvite, use: inviteMember)
        group.post(ConsoleRoutes.customerMemberSuspend, use: suspend)
        group.post(ConsoleRoutes.customerMemberReactivate, use: reactivate)
        group.post(ConsoleRoutes.customerEquipment, use: addEquipment)
        group.post(ConsoleRoutes.customerEquipmentDelete, use: removeEquipment)
        group.post(ConsoleRoutes.customerNotes, use: addNote)
        group.post(ConsoleRoutes.customerTasks, use: addTask)
        group.get(ConsoleRoutes.customerViewAs, use: viewAs)
    }

    func organizationID(_ context: StaffRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("subscriber account") }
        return id
    }
}
