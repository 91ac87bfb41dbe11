import Foundation
import PorticoCrypto
import Postgres

/// An integration API key as the console lists it (never the key itself).
public struct APIKeyRecord: Sendable, Decodable {
    public let id: UUID
    public let name: String
    public let keyPrefix: String
    /// Comma-separated (`read` or `read,write`).
    public let scopeList: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    public var scopes: Set<APIKeyIdentity.Scope> {
        Set(scopeList.split(separator: ",").compactMap { APIKeyIdentity.Scope(rawValue: String($0)) })
    }
    public var isRevoked: Bool { revokedAt != nil }
}

/// A key just created: `secret` exists only here and on the page that shows it once.
public struct CreatedAPIKey: Sendable {
    public let record: APIKeyRecord
    public let secret: String
}

/// Integration API keys (storage seam). Only SHA-256 hashes are stored.
public protocol APIKeyStore: Sendable {
    func create(
        name: String, scopes: Set<APIKeyIdentity.Scope>, createdBy staff: UUID?, in transaction: TenantTransaction
    ) async throws -> CreatedAPIKey
    func list(in transaction: TenantTransaction) async throws -> [APIKeyRecord]
    func find(id: UUID, in transaction: TenantTransaction) async throws -> APIKeyRecord?
    /// Revokes a live key; nil when no live key of this tenant has that id.
    func revoke(id: UUID, in transaction: TenantTransaction) async throws -> APIKeyRecord?
    /// The key's identity if it is live in this tenant; records the use (at most once a minute).
    func authenticate(secret: String, in transaction: TenantTransaction) async throws -> APIKeyIdentity?
}

public struct PostgresAPIKeyStore: APIKeyStore {
    public static let prefix = "pk_"
    /// How many characters of the key the console shows to tell keys apart.
    static let displayPrefixLength = 10

    public init() {}

    static let columns: SQL = "id, name, key_prefix, array_to_string(scopes, ',') AS scope_list, created_at, last_used_at, revoked_at"

    /// Validates a key's name and scope choice as the console and the CLI take them.
    public static func validate(name: String, scope: String) throws -> (String, Set<APIKeyIdentity.Scope>) {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 100 {
            problems["name"] = L10n.t("console.apiKeys.nameProblem")
        }
        let scopes: Set<APIKeyIdentity.Scope>
        switch scope {
        case "read": scopes = [.read]
        case "write", "read+write", "read,write": scopes = [.read, .write]
        default:
            scopes = []
            problems["scope"] = L10n.t("console.apiKeys.scopeProblem")
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return (trimmed, scopes)
    }

    public func create(
        name: String, scopes: Set<APIKeyIdentity.Scope>, createdBy staff: UUID?, in tx: TenantTransaction
    ) async throws -> CreatedAPIKey {
        let secret = Self.prefix + SecureRandom.token()
        let record = try await tx.first(
            """
            INSERT INTO api_keys (tenant_id, name, key_prefix, key_hash, scopes, created_by_staff_id)
            VALUES (\(tx.tenant), \(name), \(String(secret.prefix(Self.displayPrefixLength))), \(Digest.sha256Hex(secret)),
                    \(scopes.map(\.rawValue).sorted())::text[], \(staff))
            RETURNING \(Self.columns)
            """)!.decode(APIKeyRecord.self)
        return CreatedAPIKey(record: record, secret: secret)
    }

    public func list(in tx: TenantTransaction) async throws -> [APIKeyRecord] {
        try await tx.rows("SELECT \(Self.columns) FROM api_keys ORDER BY revoked_at IS NOT NULL, created_at DESC, id")
            .map { try $0.decode(APIKeyRecord.self) }
    }

    public func find(id: UUID, in tx: TenantTransaction) async throws -> APIKeyRecord? {
        try await tx.first("SELECT \(Self.columns) FROM api_keys WHERE id = \(id)")?.decode(APIKeyRecord.self)
    }

    public func revoke(id: UUID, in tx: TenantTransaction) async throws -> APIKeyRecord? {
        try await tx.first(
            """
            UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING \(Self.columns)
            """)?.decode(APIKeyRecord.self)
    }

    struct Row: Decodable {
        let id: UUID
        let name: String
        let scopeList: String
    }

    public func authenticate(secret: String, in tx: TenantTransaction) async throws -> APIKeyIdentity? {
        guard secret.hasPrefix(Self.prefix), secret.count <= 100 else { return nil }
        let row = try await tx.first(
            """
            WITH key AS (
                SELECT id, name, array_to_string(scopes, ',') AS scope_list, last_used_at FROM api_keys
                 WHERE key_hash = \(Digest.sha256Hex(secret)) AND revoked_at IS NULL
            ), used AS (
                UPDATE api_keys SET last_used_at = now()
                 WHERE id IN (SELECT id FROM key WHERE last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
            )
            SELECT id, name, scope_list FROM key
            """)?.decode(Row.self)
        guard let row else { return nil }
        let scopes = Set(row.scopeList.split(separator: ",").compactMap { APIKeyIdentity.Scope(rawValue: String($0)) })
        return APIKeyIdentity(id: row.id, name: row.name, scopes: scopes)
    }
}
