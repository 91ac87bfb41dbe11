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
        let created = try await IntegrationKeys(pool: environment.pool, repositories: .postgres).create(
            name: keyName, scopes: scopes, createdBy: nil,
            actor: NewAuditEvent(actorKind: "system", actorLabel: "portico api-key create", action: ""),
            tenant: tenant.id)
        return created.secret
    }
}
