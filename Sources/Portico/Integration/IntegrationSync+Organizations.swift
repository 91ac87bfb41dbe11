import Foundation
import PorticoCrypto
import Postgres

/// Organizations by external id: upsert, service plan and status, and the sync listing.
extension IntegrationSync {
    public struct OrganizationBody: APIRequestBody {
        public static let fields: Set<String> = ["name", "account_number", "kind", "service_address", "service_plan", "service_status"]
        public var name: String
        public var accountNumber: String?
        public var kind: String?
        public var serviceAddress: String?
        public var servicePlan: String?
        public var serviceStatus: String?
    }

    public struct ServiceBody: APIRequestBody {
        public static let fields: Set<String> = ["service_plan", "service_status"]
        public var servicePlan: String?
        public var serviceStatus: String?
    }

    public func upsertOrganization(
        externalId: String, _ body: OrganizationBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (Organization, Outcome) {
        let externalId = try Self.checkExternalId(externalId)
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("organization", externalId, in: tx)
            let existing = try await repositories.organizations.find(externalId: externalId, in: tx)
            var fields = try OrganizationInput.parse(
                FormFields([
                    "name": body.name, "account_number": body.accountNumber ?? "",
                    "kind": body.kind ?? existing?.kind.rawValue ?? "household",
                    "service_address": body.serviceAddress ?? existing?.serviceAddress ?? "",
                    "service_plan": body.servicePlan ?? existing?.servicePlan ?? "",
                    "service_status": body.serviceStatus ?? existing?.serviceStatus.rawValue ?? "pending_install",
                ]))
            guard let existing else {
                fields.externalId = externalId
                let created = try await repositories.organizations.create(fields, in: tx)
                try await audit(
                    key, origin, action: "organization.created", targetKind: "organization", target: created.accountNumber,
                    details: ["external_id": externalId], in: tx)
                return (created, .created)
            }
            return try await update(existing, to: fields, action: "organization.updated", key: key, origin: origin, in: tx)
        }
    }

    func update(
        _ existing: Organization, to fields: NewOrganization, action: String, key: APIKeyIdentity, origin: RequestOrigin,
        in tx: TenantTransaction
    ) async throws -> (Organization, Outcome) {
        var changed: [String] = []
        if fields.name != existing.name { changed.append("name") }
        if let number = fields.accountNumber, number != existing.accountNumber { changed.append("account_number") }
        if fields.kind != existing.kind { changed.append("kind") }
        if fields.serviceAddress != existing.serviceAddress { changed.append("service_address") }
        if fields.servicePlan != existing.servicePlan { changed.append("service_plan") }
        if fields.serviceStatus != existing.serviceStatus { changed.append("service_status") }
        guard !changed.isEmpty else { return (existing, .unchanged) }
        guard let updated = try await repositories.organizations.update(existing.id, with: fields, in: tx) else {
            throw AppError.notFound("organization")
        }
        try await audit(
            key, origin, action: action, targetKind: "organization", target: updated.accountNumber,
            details: ["external_id": existing.externalId ?? "", "changed": changed.joined(separator: ",")], in: tx)
        return (updated, .updated)
    }

    /// The narrow update billing systems make often: plan and service status.
    public func updateService(
        externalId: String, _ body: ServiceBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (Organization, Outcome) {
        guard body.servicePlan != nil || body.serviceStatus != nil else {
            throw AppError.validation([
                "service_plan": "Send service_plan, service_status or both.",
                "service_status": "Send service_plan, service_status or both.",
            ])
        }
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("organization", externalId, in: tx)
            guard let existing = try await repositories.organizations.find(externalId: externalId, in: tx) else {
                throw AppError.notFound("organization")
            }
            let fields = try OrganizationInput.parse(
                FormFields([
                    "name": existing.name, "kind": existing.kind.rawValue, "service_address": existing.serviceAddress,
                    "service_plan": body.servicePlan ?? existing.servicePlan,
                    "service_status": body.serviceStatus ?? existing.serviceStatus.rawValue,
                ]))
            return try await update(existing, to: fields, action: "organization.service_changed", key: key, origin: origin, in: tx)
        }
    }

    public func organization(externalId: String, tenant: ResolvedTenant) async throws -> Organization {
        let found = try await pool.withTenant(tenant.id) { tx in try await repositories.organizations.find(externalId: externalId, in: tx) }
        guard let found else { throw AppError.notFound("organization") }
        return found
    }

    public func organizations(
        since: Date?, after cursor: SyncCursor?, limit: Int, tenant: ResolvedTenant
    ) async throws -> APIPage<OrganizationResource> {
        let rows = try await pool.withTenant(tenant.id) { tx in
            try await repositories.organizations.changed(since: since, after: cursor, limit: limit + 1, in: tx)
        }
        return APIPage(rows: rows, limit: limit, OrganizationResource.init)
    }
}
