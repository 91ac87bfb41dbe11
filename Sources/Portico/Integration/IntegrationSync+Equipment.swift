import Foundation
import PorticoCrypto
import Postgres

/// Equipment at an organization, by serial or MAC: upsert.
extension IntegrationSync {
    public struct EquipmentBody: APIRequestBody {
        public static let fields: Set<String> = ["model", "serial", "mac", "installed_on"]
        public var model: String
        public var serial: String?
        public var mac: String?
        public var installedOn: String?
    }

    public func upsertEquipment(
        organization organizationExternalId: String, externalId: String, _ body: EquipmentBody, key: APIKeyIdentity,
        origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> (EquipmentResource, Outcome) {
        let externalId = try Self.checkExternalId(externalId, field: "equipment_external_id")
        var values = ["model": body.model, "serial": body.serial ?? "", "mac": body.mac ?? ""]
        if let installed = body.installedOn { values["installed_on"] = installed }
        var fields = try EquipmentInput.parse(FormFields(values))
        fields.externalId = externalId
        return try await pool.withTenant(tenant.id) { tx in
            guard let organization = try await repositories.organizations.find(externalId: organizationExternalId, in: tx) else {
                throw AppError.notFound("organization")
            }
            try await lock("equipment", externalId, in: tx)
            guard let existing = try await repositories.organizations.equipment(externalId: externalId, organization: organization.id, in: tx) else {
                let created: Equipment
                do {
                    created = try await repositories.organizations.addEquipment(fields, to: organization.id, in: tx)
                } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                    throw AppError(
                        .conflict, code: "external_id_taken",
                        "Equipment \(externalId) belongs to another organization. Move it there first, or use another id.",
                        fields: ["equipment_external_id": "Another organization's equipment has this external id."])
                }
                try await audit(
                    key, origin, action: "equipment.created", targetKind: "organization", target: organization.accountNumber,
                    details: ["equipment": externalId, "model": created.model], in: tx)
                return (EquipmentResource(created, organization: organization), .created)
            }
            if existing.model == fields.model && existing.serial == fields.serial && existing.mac == fields.mac.lowercased()
                && existing.installedOn == fields.installedOn
            {
                return (EquipmentResource(existing, organization: organization), .unchanged)
            }
            guard let updated = try await repositories.organizations.updateEquipment(existing.id, of: organization.id, with: fields, in: tx) else {
                throw AppError.notFound("equipment")
            }
            try await audit(
                key, origin, action: "equipment.updated", targetKind: "organization", target: organization.accountNumber,
                details: ["equipment": externalId], in: tx)
            return (EquipmentResource(updated, organization: organization), .updated)
        }
    }
}
