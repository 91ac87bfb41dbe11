import Foundation
import Postgres

/// `portico api-key create --tenant <slug> --name <n> --scope read|write`: a key for the
/// integration API, printed once (only its hash is stored). Audited as a system action.
public enum APIKeyCommands {
    public struct CommandError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func create(tenant slug: String, name: String, scope: String, environment: CommandEnvironment) async throws -> String {
        guard let tenant = try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug.lowercased()) else {
            throw CommandError(description: "No tenant has the slug “\(slug)”. See: portico tenant list")
        }
        let validated: (String, Set<APIKeyIdentity.Scope>)
        do {
            validated = try PostgresAPIKeyStore.validate(name: name, scope: scope)
        } catch let error as AppError {
            throw CommandError(description: error.fields.sorted { $0.key < $1.key }.map { "--\($0.key): \($0.value)" }.joined(separator: " "))
        }
        let (keyName, scopes) = validated
        let created = try await environment.pool.withTenant(tenant.id) { tx in
            let created = try await PostgresAPIKeyStore().create(name: keyName, scopes: scopes, createdBy: nil, in: tx)
            try await PostgresAuditRepository().record(
                .init(
                    actorKind: "system", actorLabel: "portico api-key create", action: "api_key.created", targetKind: "api_key",
                    targetId: created.record.id.uuidString.lowercased(),
                    details: ["name": keyName, "prefix": created.record.keyPrefix, "scopes": scopes.map(\.rawValue).sorted().joined(separator: ",")]),
                in: tx)
            return created
        }
        return created.secret
    }
}
