import Foundation
import Postgres

/// Organizations and their equipment.
public protocol OrganizationRepository: Sendable {
    func create(_ new: NewOrganization, in transaction: TenantTransaction) async throws -> Organization
    func find(id: UUID, in transaction: TenantTransaction) async throws -> Organization?
    func findQuery(id: UUID) -> Query<Organization?>
    func find(accountNumber: String, in transaction: TenantTransaction) async throws -> Organization?
    /// The names of several organizations in one statement (list pages: never one query per row).
    func names(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: String]
    /// The organizations with these ids, in one query (lists name each row's organization).
    func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Organization]
    /// Accounts matching a search, optionally only those with a login in one invitation state.
    func list(
        search: String?, access: InvitationStatus.Key?, limit: Int, offset: Int, in transaction: TenantTransaction
    ) async throws -> [Organization]
    func update(_ id: UUID, with fields: NewOrganization, in transaction: TenantTransaction) async throws -> Organization?
    func removeEquipment(_ id: UUID, from organization: UUID, in transaction: TenantTransaction) async throws -> Bool
    func count(search: String?, access: InvitationStatus.Key?, in transaction: TenantTransaction) async throws -> Int
    func addEquipment(_ new: NewEquipment, to organization: UUID, in transaction: TenantTransaction) async throws -> Equipment
    func equipment(of organization: UUID, in transaction: TenantTransaction) async throws -> [Equipment]
    /// `equipment(of:in:)` as a query value, to send with a page's other reads in one round trip.
    func equipmentQuery(of organization: UUID) -> Query<[Equipment]>
    // Sync by external id (integration API).
    func find(externalId: String, in transaction: TenantTransaction) async throws -> Organization?
    /// Organizations changed at or after `since`, in (updated_at, id) order, after `cursor`.
    func changed(since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction) async throws -> [(Organization, SyncCursor)]
    func equipment(externalId: String, organization: UUID, in transaction: TenantTransaction) async throws -> Equipment?
    /// Replaces an item's fields; nil when it is not this organization's.
    func updateEquipment(_ id: UUID, of organization: UUID, with fields: NewEquipment, in transaction: TenantTransaction) async throws -> Equipment?
}

extension OrganizationRepository {
    public func list(search: String?, limit: Int, offset: Int, in transaction: TenantTransaction) async throws -> [Organization] {
        try await list(search: search, access: nil, limit: limit, offset: offset, in: transaction)
    }

    public func count(search: String?, in transaction: TenantTransaction) async throws -> Int {
        try await count(search: search, access: nil, in: transaction)
    }
}

public struct PostgresOrganizationRepository: OrganizationRepository {
    public init() {}

    public func create(_ new: NewOrganization, in transaction: TenantTransaction) async throws -> Organization {
        let accountNumber: String
        if let given = new.accountNumber {
            accountNumber = given
        } else {
            accountNumber = String(try await TenantCounters.next("account_number", startingAt: 100_001, in: transaction))
        }
        do {
            return try await transaction.first(
                """
                INSERT INTO organizations (tenant_id, account_number, name, kind, service_address, service_plan, service_status, external_id)
                VALUES (\(transaction.tenant), \(accountNumber), \(new.name), \(new.kind), \(new.serviceAddress), \(new.servicePlan),
                        \(new.serviceStatus), \(new.externalId))
                RETURNING *
                """)!.decode(Organization.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            if error.constraint == "organizations_tenant_id_account_number_key" {
                throw AppError(
                    .conflict, code: "account_number_taken", "Account number \(accountNumber) is already used by another subscriber account.",
                    fields: [
                        "account_number":
                            "Another subscriber account already has this account number. Use another, or leave it blank for the next free number."
                    ])
            }
            throw AppError(
                .conflict, code: "external_id_taken", "Another subscriber account already has this external id.",
                fields: ["external_id": "Another subscriber account already has this external id."])
        }
    }

    public func find(id: UUID, in transaction: TenantTransaction) async throws -> Organization? {
        try await transaction.run(findQuery(id: id))
    }

    public func findQuery(id: UUID) -> Query<Organization?> {
        .first("SELECT * FROM organizations WHERE id = \(id)", as: Organization.self)
    }

    public func find(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: Organization] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await transaction.rows("SELECT * FROM organizations WHERE id = ANY(\(Array(Set(ids)))::uuid[])")
        return Dictionary(try rows.map { try $0.decode(Organization.self) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func names(ids: [UUID], in transaction: TenantTransaction) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await transaction.rows("SELECT id, name FROM organizations WHERE id = ANY(\(Array(Set(ids)))::uuid[])")
        return Dictionary(
            try rows.map { (try $0.decode(at: 0, as: UUID.self), try $0.decode(at: 1, as: String.self)) }, uniquingKeysWith: { first, _ in first })
    }

    public func find(accountNumber: String, in transaction: TenantTransaction) async throws -> Organization? {
        try await transaction.first("SELECT * FROM organizations WHERE account_number = \(accountNumber)")?.decode(Organization.self)
    }

    public func list(
        search: String?, access: InvitationStatus.Key?, limit: Int, offset: Int, in transaction: TenantTransaction
    ) async throws -> [Organization] {
        let condition = Self.matching(search, access: access)
        return try await transaction.rows(
            """
            SELECT * FROM organizations WHERE \(condition) ORDER BY lower(name), id \(SQL.limit(limit, offset: offset))
            """
        ).map { try $0.decode(Organization.self) }
    }

    public func update(_ id: UUID, with fields: NewOrganization, in transaction: TenantTransaction) async throws -> Organization? {
        do {
            return try await transaction.first(
                """
                UPDATE organizations SET name = \(fields.name), kind = \(fields.kind), service_address = \(fields.serviceAddress),
                       service_plan = \(fields.servicePlan), service_status = \(fields.serviceStatus),
                       account_number = COALESCE(\(fields.accountNumber), account_number)
                 WHERE id = \(id) RETURNING *
                """)?.decode(Organization.self)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "account_number_taken", "Another subscriber account already has this account number.",
                fields: [
                    "account_number":
                        "Another subscriber account already has this account number. Use another, or leave it blank for the next free number."
                ])
        }
    }

    public func removeEquipment(_ id: UUID, from organization: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM equipment WHERE id = \(id) AND organization_id = \(organization)") == 1
    }

    /// Staff look accounts up by name, number, address, or a member's name, email or phone.
    static func matching(_ search: String?) -> SQL {
        guard let search, !search.isEmpty else { return "true" }
        let pattern = "%" + SQLPattern.escapeLike(search.lowercased()) + "%"
        return """
            (lower(name) LIKE \(pattern) OR lower(account_number) LIKE \(pattern) OR lower(service_address) LIKE \(pattern)
             OR EXISTS (SELECT 1 FROM customers c WHERE c.organization_id = organizations.id
                        AND (lower(c.name) LIKE \(pattern) OR lower(c.email::text) LIKE \(pattern) OR c.phone LIKE \(pattern))))
            """
    }

    static func matching(_ search: String?, access: InvitationStatus.Key?) -> SQL {
        guard let access else { return matching(search) }
        return """
            (\(matching(search)) AND EXISTS (SELECT 1 FROM customers c \(InvitationStatus.SQLFragments.newestInvitation)
                                             WHERE c.organization_id = organizations.id AND (\(InvitationStatus.SQLFragments.state)) = \(access.rawValue)))
            """
    }

    public func count(search: String?, access: InvitationStatus.Key?, in transaction: TenantTransaction) async throws -> Int {
        let condition = Self.matching(search, access: access)
        return try await transaction.scalar("SELECT count(*)::int FROM organizations WHERE \(condition)", as: Int.self) ?? 0
    }

    public func addEquipment(_ new: NewEquipment, to organization: UUID, in transaction: TenantTransaction) async throws -> Equipment {
        try await transaction.first(
            """
            INSERT INTO equipment (tenant_id, organization_id, model, serial, mac, installed_on, external_id)
            VALUES (\(transaction.tenant), \(organization), \(new.model), \(new.serial), \(new.mac.lowercased()), \(new.installedOn)::date, \(new.externalId))
            RETURNING \(Self.equipmentColumns)
            """)!.decode(Equipment.self)
    }

    public func equipment(of organization: UUID, in transaction: TenantTransaction) async throws -> [Equipment] {
        try await transaction.run(equipmentQuery(of: organization))
    }

    public func equipmentQuery(of organization: UUID) -> Query<[Equipment]> {
        .rows(
            """
            SELECT \(Self.equipmentColumns)
              FROM equipment WHERE organization_id = \(organization) ORDER BY installed_on NULLS LAST, model
            """, as: Equipment.self)
    }

    static let equipmentColumns: SQL =
        "id, organization_id, model, serial, mac, installed_on::text AS installed_on, external_id, created_at, updated_at"

    public func find(externalId: String, in transaction: TenantTransaction) async throws -> Organization? {
        try await transaction.first("SELECT * FROM organizations WHERE external_id = \(externalId)")?.decode(Organization.self)
    }

    public func changed(
        since: Date?, after cursor: SyncCursor?, limit: Int, in transaction: TenantTransaction
    ) async throws -> [(Organization, SyncCursor)] {
        try await transaction.rows(
            """
            SELECT *, updated_at::text AS sync_key FROM organizations WHERE \(SyncCursor.condition(since: since, after: cursor))
             ORDER BY updated_at, id LIMIT \(limit)
            """
        ).map { row in
            let organization = try row.decode(Organization.self)
            return (organization, SyncCursor(updatedAt: try row.decode("sync_key", as: String.self), id: organization.id))
        }
    }

    public func equipment(externalId: String, organization: UUID, in transaction: TenantTransaction) async throws -> Equipment? {
        try await transaction.first(
            """
            SELECT \(Self.equipmentColumns) FROM equipment WHERE external_id = \(externalId) AND organization_id = \(organization)
            """)?.decode(Equipment.self)
    }

    public func updateEquipment(
        _ id: UUID, of organization: UUID, with fields: NewEquipment, in transaction: TenantTransaction
    ) async throws -> Equipment? {
        try await transaction.first(
            """
            UPDATE equipment SET model = \(fields.model), serial = \(fields.serial), mac = \(fields.mac.lowercased()),
                   installed_on = \(fields.installedOn)::date
             WHERE id = \(id) AND organization_id = \(organization)
            RETURNING \(Self.equipmentColumns)
            """)?.decode(Equipment.self)
    }
}

/// Per-tenant sequences kept in `tenant_counters`: the row lock serializes concurrent callers
/// of one tenant without touching others.
enum TenantCounters {
    static func next(_ name: String, startingAt start: Int, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.first(
            """
            INSERT INTO tenant_counters (tenant_id, name, value) VALUES (\(transaction.tenant), \(name), \(start))
            ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + 1
            RETURNING value
            """)!.decode("value", as: Int.self)
    }
}

enum SQLPattern {
    /// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
    static func escapeLike(_ text: String) -> String {
        var result = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
