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
    func create(
        organization: UUID, customer: UUID?, body: String, visibility: Visibility, author: Actor, in transaction: TenantTransaction
    ) async throws -> Note
    /// Notes of an organization. `sharedOnly` is what a subscriber may see: internal notes
    /// never leave through it.
    func list(organization: UUID, sharedOnly: Bool, limit: Int, in transaction: TenantTransaction) async throws -> [Note]
    func listQuery(organization: UUID, sharedOnly: Bool, limit: Int) -> Query<[Note]>
    /// What one subscriber may read, newest first, a page at a time: shared notes about the
    /// organization or about them (never internal ones, never those about another member).
    /// Throws `InvalidPageKey` for an `after` that no page returned.
    func sharedPage(
        organization: UUID, customer: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction
    ) async throws -> KeysetPage<Note>
}

public struct PostgresNoteRepository: NoteRepository {
    public init() {}

    public func create(
        organization: UUID, customer: UUID?, body: String, visibility: Visibility, author: Actor, in transaction: TenantTransaction
    ) async throws -> Note {
        try await transaction.first(
            """
            INSERT INTO notes (tenant_id, organization_id, customer_id, body, visibility, author_staff_id, author_name)
            VALUES (\(transaction.tenant), \(organization), \(customer), \(body), \(visibility),
                    \(author.kind == .staff ? author.id : nil), \(author.name))
            RETURNING id, organization_id, customer_id, body, visibility, author_staff_id, author_name, created_at
            """)!.decode(Note.self)
    }

    struct Ranked: Decodable { let pageCreated: Int64 }

    public func sharedPage(
        organization: UUID, customer: UUID, after: [String]?, limit: Int, in transaction: TenantTransaction
    ) async throws -> KeysetPage<Note> {
        var position: SQL = "true"
        if let after {
            guard after.count == 2 else { throw InvalidPageKey() }
            let (created, id) = (try InvalidPageKey.int(after[0]), try InvalidPageKey.uuid(after[1]))
            position = "(page_created, id) > (\(created), \(id))"
        }
        let rows = try await transaction.rows(
            """
            SELECT * FROM (
                SELECT id, organization_id, customer_id, body, visibility, author_staff_id, author_name, created_at,
                       -(extract(epoch FROM created_at) * 1000000)::bigint AS page_created
                  FROM notes
                 WHERE organization_id = \(organization) AND visibility = 'shared'
                   AND (customer_id IS NULL OR customer_id = \(customer))) keyed
             WHERE \(position)
             ORDER BY page_created, id LIMIT \(limit + 1)
            """
        ).map { (try $0.decode(Note.self), try $0.decode(Ranked.self)) }
        return KeysetPage.from(rows, limit: limit, item: { $0.0 }, key: { [String($0.1.pageCreated), $0.0.id.uuidString] })
    }

    public func list(organization: UUID, sharedOnly: Bool, limit: Int, in transaction: TenantTransaction) async throws -> [Note] {
        try await transaction.run(listQuery(organization: organization, sharedOnly: sharedOnly, limit: limit))
    }

    public func listQuery(organization: UUID, sharedOnly: Bool, limit: Int) -> Query<[Note]> {
        let visibility: SQL = sharedOnly ? "AND visibility = 'shared'" : ""
        return .rows(
            """
            SELECT id, organization_id, customer_id, body, visibility, author_staff_id, author_name, created_at
              FROM notes WHERE organization_id = \(organization) \(visibility) ORDER BY created_at DESC, id LIMIT \(limit)
            """, as: Note.self)
    }
}
