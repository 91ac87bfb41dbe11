import Foundation
import Postgres

public protocol CustomerRepository: Sendable {
    func create(_ new: NewCustomer, in transaction: TenantTransaction) async throws -> Customer
    func find(id: UUID, in transaction: TenantTransaction) async throws -> Customer?
    /// The customers with these ids, in one query.
    func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Customer]
    func find(email: String, in transaction: TenantTransaction) async throws -> Customer?
    func members(of organization: UUID, in transaction: TenantTransaction) async throws -> [Customer]
    /// `members` as a query value, to send with a page's other reads in one round trip.
    func membersQuery(of organization: UUID) -> Query<[Customer]>
    /// Candidates for a sign-in identifier: an email, an account number or a phone number.
    func credentials(forIdentifier identifier: String, in transaction: TenantTransaction) async throws -> [CustomerCredentials]
    func credentials(id: UUID, in transaction: TenantTransaction) async throws -> CustomerCredentials?
    func setPasswordHash(_ hash: String, for customer: UUID, in transaction: TenantTransaction) async throws
    func setStatus(_ status: CustomerStatus, for customer: UUID, in transaction: TenantTransaction) async throws
    func markEmailVerified(_ customer: UUID, email: String, in transaction: TenantTransaction) async throws -> Bool
    func updateProfile(_ customer: UUID, name: String, phone: String, in transaction: TenantTransaction) async throws
    func changeEmail(_ customer: UUID, to email: String, in transaction: TenantTransaction) async throws
    func recordSignIn(_ customer: UUID, in transaction: TenantTransaction) async throws
    /// The language the customer chose for the portal and their emails (a catalog code).
    func setLanguage(_ code: String, for customer: UUID, in transaction: TenantTransaction) async throws
    /// What the customer wants to hear about by email (nothing muted when never set).
    func notificationPreferences(of customer: UUID, in transaction: TenantTransaction) async throws -> NotificationPreferences
    func setNotificationPreferences(_ preferences: NotificationPreferences, of customer: UUID, in transaction: TenantTransaction) async throws
    /// The key that authenticates the customer's unsubscribe links; nil for an unknown customer.
    func unsubscribeKey(of customer: UUID, in transaction: TenantTransaction) async throws -> String?
    /// The customer's role, with their row locked until the transaction ends (so two requests
    /// about the account's ownership run one after the other).
    func lockRole(of customer: UUID, in transaction: TenantTransaction) async throws -> CustomerRole?
    /// Whether anyone besides `customer` has joined the organization (invitations not accepted do not count).
    func hasOtherMembers(of organization: UUID, besides customer: UUID, in transaction: TenantTransaction) async throws -> Bool
    /// Makes `heir`, a member who joined `organization`, its owner and `owner` a member.
    func handOver(organization: UUID, from owner: UUID, to heir: UUID, in transaction: TenantTransaction) async throws -> HandOver
    // Sync by external id (integration API).
    func find(externalId: String, in transaction: TenantTransaction) async throws -> Customer?
    /// Customers changed at or after `since`, in (updated_at, id) order, after `cursor`.
    func changed(since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction) async throws -> [(Customer, SyncCursor)]
    /// Sets what a billing system owns of a login (never its password or status).
    func updateSynced(
        _ customer: UUID, organization: UUID, role: CustomerRole, name: String, email: String, phone: String,
        in transaction: TenantTransaction
    ) async throws -> Customer
}

/// What handing an account over did.
public enum HandOver: Sendable, Equatable {
    case handedOver(heirName: String)
    /// The heir is not a member who joined this organization.
    case noSuchMember
    /// The one handing over does not own the account (any more).
    case notOwner
}

public struct PostgresCustomerRepository: CustomerRepository {
    public init() {}

    public func create(_ new: NewCustomer, in transaction: TenantTransaction) async throws -> Customer {
        do {
            return try await transaction.first(
                """
                INSERT INTO customers (tenant_id, organization_id, role, name, email, phone, phone_digits, password_hash, status,
                                       email_verified_at, external_id)
                VALUES (\(transaction.tenant), \(new.organizationId), \(new.role), \(new.name), \(new.email.lowercased()), \(new.phone),
                        \(PhoneNumber.digits(new.phone)), \(new.passwordHash), \(new.status),
                        CASE WHEN \(new.emailVerified) THEN now() END, \(new.externalId))
                RETURNING *
                """)!.decode(Customer.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            if error.constraint == "customers_tenant_id_email_key" {
                throw AppError(
                    .conflict, code: "email_taken", L10n.t("accounts.email.exists"), fields: ["email": L10n.t("accounts.email.alreadyRegistered")])
            }
            throw AppError(
                .conflict, code: "external_id_taken", "Another customer already has this external id.",
                fields: ["external_id": "Another customer already has this external id."])
        }
    }

    public func find(id: UUID, in transaction: TenantTransaction) async throws -> Customer? {
        try await transaction.first("SELECT * FROM customers WHERE id = \(id)")?.decode(Customer.self)
    }

    public func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Customer] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await transaction.rows("SELECT * FROM customers WHERE id = ANY(\(Array(Set(ids)))::uuid[])")
        return Dictionary(try rows.map { try $0.decode(Customer.self) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func find(email: String, in transaction: TenantTransaction) async throws -> Customer? {
        try await transaction.first("SELECT * FROM customers WHERE email = \(email.lowercased())")?.decode(Customer.self)
    }

    public func members(of organization: UUID, in transaction: TenantTransaction) async throws -> [Customer] {
        try await transaction.run(membersQuery(of: organization))
    }

    public func membersQuery(of organization: UUID) -> Query<[Customer]> {
        .rows("SELECT * FROM customers WHERE organization_id = \(organization) ORDER BY role = 'owner' DESC, lower(name)", as: Customer.self)
    }

    public func credentials(forIdentifier identifier: String, in transaction: TenantTransaction) async throws -> [CustomerCredentials] {
        let trimmed = identifier.trimmingCharacters(in: .whitespaces)
        if trimmed.contains("@") {
            return try await transaction.rows(
                """
                SELECT id, email, password_hash, status FROM customers WHERE email = \(trimmed.lowercased())
                """
            ).map { try $0.decode(CustomerCredentials.self) }
        }
        let digits = PhoneNumber.digits(trimmed)
        // An account number names an organization: any of its members may sign in with it.
        return try await transaction.rows(
            """
            SELECT c.id, c.email, c.password_hash, c.status
              FROM customers c JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id
             WHERE o.account_number = \(trimmed) OR (\(digits) <> '' AND length(\(digits)) >= 6 AND c.phone_digits = \(digits))
             ORDER BY c.role = 'owner' DESC, c.created_at
            """
        ).map { try $0.decode(CustomerCredentials.self) }
    }

    public func credentials(id: UUID, in transaction: TenantTransaction) async throws -> CustomerCredentials? {
        try await transaction.first("SELECT id, email, password_hash, status FROM customers WHERE id = \(id)")?.decode(CustomerCredentials.self)
    }

    public func setPasswordHash(_ hash: String, for customer: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE customers SET password_hash = \(hash) WHERE id = \(customer)")
    }

    public func setStatus(_ status: CustomerStatus, for customer: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE customers SET status = \(status) WHERE id = \(customer)")
    }

    public func markEmailVerified(_ customer: UUID, email: String, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE customers SET email_verified_at = now(), status = CASE WHEN status = 'pending' THEN 'active' ELSE status END
             WHERE id = \(customer) AND email = \(email.lowercased())
            """) == 1
    }

    public func updateProfile(_ customer: UUID, name: String, phone: String, in transaction: TenantTransaction) async throws {
        try await transaction.execute(
            """
            UPDATE customers SET name = \(name), phone = \(phone), phone_digits = \(PhoneNumber.digits(phone)) WHERE id = \(customer)
            """)
    }

    public func changeEmail(_ customer: UUID, to email: String, in transaction: TenantTransaction) async throws {
        do {
            try await transaction.execute(
                """
                UPDATE customers SET email = \(email.lowercased()), email_verified_at = now() WHERE id = \(customer)
                """)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "email_taken", L10n.t("accounts.email.usedByAnother"), fields: ["email": L10n.t("accounts.email.alreadyRegistered")])
        }
    }

    public func recordSignIn(_ customer: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE customers SET last_sign_in_at = now() WHERE id = \(customer)")
    }

    public func setLanguage(_ code: String, for customer: UUID, in transaction: TenantTransaction) async throws {
        try await transaction.execute("UPDATE customers SET language = \(code) WHERE id = \(customer)")
    }

    public func notificationPreferences(of customer: UUID, in transaction: TenantTransaction) async throws -> NotificationPreferences {
        try await transaction.first("SELECT notification_preferences FROM customers WHERE id = \(customer)")?
            .decodeJSON("notification_preferences", as: NotificationPreferences.self) ?? NotificationPreferences()
    }

    public func setNotificationPreferences(
        _ preferences: NotificationPreferences, of customer: UUID, in transaction: TenantTransaction
    ) async throws {
        try await transaction.execute(
            "UPDATE customers SET notification_preferences = \(JSONParameter(preferences))::jsonb WHERE id = \(customer)")
    }

    public func lockRole(of customer: UUID, in transaction: TenantTransaction) async throws -> CustomerRole? {
        try await transaction.scalar("SELECT role FROM customers WHERE id = \(customer) FOR UPDATE", as: CustomerRole.self)
    }

    public func hasOtherMembers(of organization: UUID, besides customer: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM customers WHERE organization_id = \(organization) AND id <> \(customer) AND status <> 'pending')
            """, as: Bool.self) ?? false
    }

    public func handOver(organization: UUID, from owner: UUID, to heir: UUID, in transaction: TenantTransaction) async throws -> HandOver {
        guard
            let name = try await transaction.scalar(
                """
                SELECT name FROM customers WHERE id = \(heir) AND organization_id = \(organization) AND status <> 'pending' FOR UPDATE
                """, as: String.self)
        else { return .noSuchMember }
        guard try await transaction.execute("UPDATE customers SET role = 'member' WHERE id = \(owner) AND role = 'owner'") == 1 else {
            return .notOwner
        }
        try await transaction.execute("UPDATE customers SET role = 'owner' WHERE id = \(heir)")
        return .handedOver(heirName: name)
    }

    public func unsubscribeKey(of customer: UUID, in transaction: TenantTransaction) async throws -> String? {
        try await transaction.scalar("SELECT unsubscribe_key FROM customers WHERE id = \(customer)", as: String.self)
    }

    public func find(externalId: String, in transaction: TenantTransaction) async throws -> Customer? {
        try await transaction.first("SELECT * FROM customers WHERE external_id = \(externalId)")?.decode(Customer.self)
    }

    public func changed(
        since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction
    ) async throws -> [(Customer, SyncCursor)] {
        try await transaction.rows(
            """
            SELECT *, updated_at::text AS sync_key FROM customers WHERE \(SyncCursor.condition(since: since, after: cursor))
             ORDER BY updated_at, id LIMIT \(limit)
            """
        ).map { row in
            let customer = try row.decode(Customer.self)
            return (customer, SyncCursor(updatedAt: try row.decode("sync_key", as: String.self), id: customer.id))
        }
    }

    public func updateSynced(
        _ customer: UUID, organization: UUID, role: CustomerRole, name: String, email: String, phone: String,
        in transaction: TenantTransaction
    ) async throws -> Customer {
        do {
            // A changed address is no longer a verified one.
            return try await transaction.first(
                """
                UPDATE customers SET organization_id = \(organization), role = \(role), name = \(name), phone = \(phone),
                       phone_digits = \(PhoneNumber.digits(phone)),
                       email_verified_at = CASE WHEN email = \(email.lowercased()) THEN email_verified_at END,
                       email = \(email.lowercased())
                 WHERE id = \(customer) RETURNING *
                """)!.decode(Customer.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "email_taken", "Another login already uses this email address.",
                fields: ["email": "Another login in this portal already uses this email address."])
        }
    }
}
