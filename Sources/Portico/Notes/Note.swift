import Foundation
import Postgres

/// Text about an organization or customer: internal by default, optionally shared.
public struct Note: Sendable, Decodable {
    public let id: UUID
    public let organizationId: UUID
    public let customerId: UUID?
    public let body: String
    public let visibility: Visibility
    public let authorStaffId: UUID?
    public let authorName: String
    public let createdAt: Date
}

public protocol NoteRepository: Sendable {
    func create(organization: UUID, customer: UUID?, body: String, visibility: Visibility, author: Actor, in transaction: TenantTransaction) async throws -> Note
    /// Notes of an organization. `sharedOnly` is what a subscriber may see: internal notes
    /// never leave through it.
    func list(organization: UUID, sharedOnly: Bool, limit: Int, in transaction: TenantTransaction) async throws -> [Note]
}

public struct PostgresNoteRepository: NoteRepository {
    public init() {}

    public func create(organization: UUID, customer: UUID?, body: String, visibility: Visibility, author: Actor, in transaction: TenantTransaction) async throws -> Note {
        try await transaction.first("""
            INSERT INTO notes (tenant_id, organization_id, customer_id, body, visibility, author_staff_id, author_name)
            VALUES (\(transaction.tenant), \(organization), \(customer), \(body), \(visibility),
                    \(author.kind == .staff ? author.id : nil), \(author.name))
            RETURNING id, organization_id, customer_id, body, visibility, author_staff_id, author_name, created_at
            """)!.decode(Note.self)
    }

    public func list(organization: UUID, sharedOnly: Bool, limit: Int, in transaction: TenantTransaction) async throws -> [Note] {
        let visibility: SQL = sharedOnly ? "AND visibility = 'shared'" : ""
        return try await transaction.rows("""
            SELECT id, organization_id, customer_id, body, visibility, author_staff_id, author_name, created_at
              FROM notes WHERE organization_id = \(organization) \(visibility) ORDER BY created_at DESC, id LIMIT \(limit)
            """).map { try $0.decode(Note.self) }
    }
}
