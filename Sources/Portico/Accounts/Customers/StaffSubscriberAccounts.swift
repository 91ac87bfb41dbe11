import Foundation
import PorticoCrypto
import Postgres

/// Subscriber accounts as the staff console works with them (agents and admins): find, list,
/// create and edit accounts; suspend and reactivate their logins; equipment, notes and
/// access-code letters; the audited "view as the subscriber". Every change is audited in its
/// own transaction; an id of another tenant or another account is "not found".
struct StaffSubscriberAccounts: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let sessions: any SessionStore

    // MARK: Reading

    /// One page of the account list with how each account's logins stand with their invitations.
    struct ListPage: Sendable {
        /// Up to `pageSize + 1` accounts: one more than shown says there is a next page.
        let organizations: [Organization]
        let total: Int
        let access: [UUID: [(InvitationStatus.Key, Int)]]
    }

    func list(search: String, access: InvitationStatus.Key?, page: Int, pageSize: Int, tenant: TenantID) async throws -> ListPage {
        try await pool.withTenant(tenant) { tx in
            let organizations = try await repositories.organizations.list(
                search: search, access: access, limit: pageSize + 1, offset: page * pageSize, in: tx)
            return ListPage(
                organizations: organizations, total: try await repositories.organizations.count(search: search, access: access, in: tx),
                access: try await InvitationStatus.summaries(of: organizations.prefix(pageSize).map(\.id), in: tx))
        }
    }

    func detail(_ id: UUID, staff: SignedInStaff, tenant: TenantID) async throws -> CustomerAccountDetail {
        try await CustomerAccountDetail.load(id, staff: staff, tenant: tenant, pool: pool, repositories: repositories)
    }

    func find(accountNumber: String, tenant: TenantID) async throws -> Organization? {
        try await pool.withTenant(tenant) { tx in try await repositories.organizations.find(accountNumber: accountNumber, in: tx) }
    }

    /// The account `id`, or `AppError.notFound`.
    func require(_ id: UUID, tenant: TenantID) async throws -> Organization {
        try await pool.withTenant(tenant) { tx in try await Self.require(id, repositories: repositories, in: tx) }
    }

    /// Login `id`, when it belongs to account `organization`; otherwise `AppError.notFound`.
    func member(_ id: UUID, of organization: UUID, tenant: TenantID) async throws -> Customer {
        let customer = try await pool.withTenant(tenant) { tx in try await repositories.customers.find(id: id, in: tx) }
        guard let customer, customer.organizationId == organization else { throw AppError.notFound("customer") }
        return customer
    }

    // MARK: Changing an account

    func create(_ fields: NewOrganization, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> Organization {
        try await pool.withTenant(tenant) { tx in
            let organization = try await repositories.organizations.create(fields, in: tx)
            try await audit(staff, "organization.created", organization, origin: origin, in: tx)
            return organization
        }
    }

    func update(_ id: UUID, with fields: NewOrganization, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            guard let updated = try await repositories.organizations.update(id, with: fields, in: tx) else {
                throw AppError.notFound("subscriber account")
            }
            try await audit(staff, "organization.updated", updated, origin: origin, in: tx)
        }
    }

    func addEquipment(_ equipment: NewEquipment, to organization: UUID, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            _ = try await Self.require(organization, repositories: repositories, in: tx)
            _ = try await repositories.organizations.addEquipment(equipment, to: organization, in: tx)
        }
    }

    func removeEquipment(_ id: UUID, from organization: UUID, tenant: TenantID) async throws {
        let removed = try await pool.withTenant(tenant) { tx in
            try await repositories.organizations.removeEquipment(id, from: organization, in: tx)
        }
        guard removed else { throw AppError.notFound("equipment") }
    }

    /// A note on the account, internal unless `shared` (then the subscriber sees it too).
    func addNote(_ body: String, shared: Bool, to organization: UUID, staff: SignedInStaff, tenant: TenantID) async throws {
        guard !body.isEmpty, body.count <= 10_000 else { throw AppError.validation(["note_body": L10n.t("console.customer.noteNeeded")]) }
        try await pool.withTenant(tenant) { tx in
            _ = try await Self.require(organization, repositories: repositories, in: tx)
            _ = try await repositories.notes.create(
                organization: organization, customer: nil, body: body, visibility: shared ? .shared : .internalOnly, author: staff.actor,
                in: tx)
        }
    }

    /// A new access code for a printed letter, replacing the account's earlier ones. The code
    /// is returned once; only its hash is kept.
    func issueAccessCode(for id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> (Organization, String) {
        let code = SecureRandom.humanCode(length: 10)
        let organization = try await pool.withTenant(tenant) { tx in
            let organization = try await Self.require(id, repositories: repositories, in: tx)
            try await AccountTokens.retireAccessCodes(organizationID: id, in: tx)
            try await AccountTokens.insert(
                token: code, kind: .accessCode, email: "", organizationID: id, createdBy: staff.id,
                lifetime: AccountTokens.Kind.accessCode.lifetime, in: tx)
            try await audit(staff, "organization.access_code_issued", organization, origin: origin, in: tx)
            return organization
        }
        return (organization, code)
    }

    // MARK: Logins

    /// Signs the login out everywhere (sessions and API tokens) and refuses its sign-ins.
    func suspend(_ member: Customer, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            try await repositories.customers.setStatus(.suspended, for: member.id, in: tx)
            _ = try await sessions.revokeAll(kind: .customer, principal: member.id, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: member.id, in: tx)
            try await repositories.audit.record(
                .byStaff(staff, "customer.suspended", targetKind: "customer", targetId: member.email, origin: origin), in: tx)
        }
    }

    /// Lets the login back: active with a password, otherwise pending its invitation.
    func reactivate(_ member: Customer, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws {
        try await pool.withTenant(tenant) { tx in
            let hasPassword = try await repositories.customers.credentials(id: member.id, in: tx)?.passwordHash != nil
            try await repositories.customers.setStatus(hasPassword ? .active : .pending, for: member.id, in: tx)
            try await repositories.audit.record(
                .byStaff(staff, "customer.reactivated", targetKind: "customer", targetId: member.email, origin: origin), in: tx)
        }
    }

    // MARK: View as the subscriber

    /// What the subscriber's portal shows, with staff-only data left out as the portal leaves
    /// it out. Every look is audited.
    struct SubscriberView: Sendable {
        let organization: Organization
        let orders: [WorkOrder]
        let appointments: [Appointment]
        let openTasks: [TaskItem]
        let sharedNotes: [Note]
    }

    func viewAs(_ id: UUID, staff: SignedInStaff, origin: RequestOrigin, tenant: TenantID) async throws -> SubscriberView {
        try await pool.withTenant(tenant) { tx in
            let organization = try await Self.require(id, repositories: repositories, in: tx)
            try await audit(staff, "organization.viewed_as_customer", organization, origin: origin, in: tx)
            return SubscriberView(
                organization: organization,
                orders: try await repositories.workOrders.list(WorkOrderFilter(organizationId: id), limit: 20, offset: 0, in: tx),
                appointments: try await repositories.appointments.list(organization: id, from: Date(), to: nil, in: tx),
                openTasks: try await repositories.tasks.list(organization: id, status: .open, in: tx),
                sharedNotes: try await repositories.notes.list(organization: id, sharedOnly: true, limit: 10, in: tx))
        }
    }

    // MARK: Helpers

    private static func require(_ id: UUID, repositories: Repositories, in tx: TenantTransaction) async throws -> Organization {
        guard let organization = try await repositories.organizations.find(id: id, in: tx) else { throw AppError.notFound("subscriber account") }
        return organization
    }

    private func audit(
        _ staff: SignedInStaff, _ action: String, _ organization: Organization, origin: RequestOrigin, in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .byStaff(staff, action, targetKind: "organization", targetId: organization.accountNumber, origin: origin), in: tx)
    }
}
