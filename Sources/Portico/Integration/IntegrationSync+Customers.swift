import Foundation
import PorticoCrypto
import Postgres

/// Customer logins by external id: upsert (with an optional invitation) and the sync listing.
extension IntegrationSync {
    public struct CustomerBody: APIRequestBody {
        public static let fields: Set<String> = ["organization_external_id", "name", "email", "phone", "role", "invite"]
        public var organizationExternalId: String
        public var name: String
        public var email: String
        public var phone: String?
        public var role: String?
        public var invite: Bool?
    }

    public func upsertCustomer(
        externalId: String, _ body: CustomerBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (CustomerResource, Outcome) {
        let externalId = try Self.checkExternalId(externalId)
        var problems: [String: String] = [:]
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { problems["name"] = "Enter the person's name (at most 200 characters)." }
        let email = EmailAddress.normalize(body.email)
        if email == nil { problems["email"] = "Enter an email address like name@example.com." }
        let phone = (body.phone ?? "").trimmingCharacters(in: .whitespaces)
        if phone.count > 40 { problems["phone"] = "Use at most 40 characters." }
        let role: CustomerRole? = body.role.flatMap(CustomerRole.init(rawValue:))
        if body.role != nil && role == nil { problems["role"] = "Use owner or member." }
        if body.organizationExternalId.isEmpty || body.organizationExternalId.count > 200 {
            problems["organization_external_id"] = "Name the organization by its external id."
        }
        guard problems.isEmpty, let email else { throw AppError.validation(problems) }
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("customer", externalId, in: tx)
            guard let organization = try await repositories.organizations.find(externalId: body.organizationExternalId, in: tx) else {
                throw AppError.validation([
                    "organization_external_id":
                        "No organization has the external id “\(body.organizationExternalId.prefix(200))”. PUT /admin/organizations/\(body.organizationExternalId.prefix(200)) first."
                ])
            }
            guard let existing = try await repositories.customers.find(externalId: externalId, in: tx) else {
                let hasOwner = try await repositories.customers.members(of: organization.id, in: tx).contains { $0.role == .owner }
                let created = try await repositories.customers.create(
                    NewCustomer(
                        organizationId: organization.id, role: role ?? (hasOwner ? .member : .owner), name: name, email: email, phone: phone,
                        status: .pending, externalId: externalId), in: tx)
                try await audit(
                    key, origin, action: "customer.created", targetKind: "customer", target: email,
                    details: ["external_id": externalId, "account": organization.accountNumber], in: tx)
                if body.invite == true {
                    try await customerAccounts.enqueueInvitation(
                        for: created, createdByStaff: nil, tenant: tenant, in: tx)
                    try await audit(key, origin, action: "customer.invited", targetKind: "customer", target: email, in: tx)
                }
                return (CustomerResource(created, organization: organization), .created)
            }
            let newRole = role ?? existing.role
            if existing.organizationId == organization.id && existing.role == newRole && existing.name == name && existing.email == email
                && existing.phone == phone
            {
                return (CustomerResource(existing, organization: organization), .unchanged)
            }
            let updated = try await repositories.customers.updateSynced(
                existing.id, organization: organization.id, role: newRole, name: name,
                email: email, phone: phone, in: tx)
            if updated.organizationId != existing.organizationId || updated.email != existing.email {
                // Moved to another account or given another address: its sessions and tokens end.
                _ = try await sessions.revokeAll(kind: .customer, principal: existing.id, except: nil, in: tx)
                try await repositories.apiTokens.revokeAll(customer: existing.id, in: tx)
            }
            try await audit(
                key, origin, action: "customer.updated", targetKind: "customer", target: email,
                details: ["external_id": externalId], in: tx)
            return (CustomerResource(updated, organization: organization), .updated)
        }
    }

    public func customer(externalId: String, tenant: ResolvedTenant) async throws -> CustomerResource {
        try await pool.withTenant(tenant.id) { tx in
            guard let customer = try await repositories.customers.find(externalId: externalId, in: tx) else { throw AppError.notFound("customer") }
            return CustomerResource(customer, organization: try await repositories.organizations.find(id: customer.organizationId, in: tx))
        }
    }

    public func customers(since: Date?, after cursor: SyncCursor?, limit: Int, tenant: ResolvedTenant) async throws -> APIPage<CustomerResource> {
        try await pool.withTenant(tenant.id) { tx in
            let rows = try await repositories.customers.changed(since: since, after: cursor, limit: limit + 1, in: tx)
            let organizations = try await repositories.organizations.find(ids: rows.prefix(limit).map(\.0.organizationId), in: tx)
            return APIPage(rows: rows, limit: limit) { CustomerResource($0, organization: organizations[$0.organizationId]) }
        }
    }
}
