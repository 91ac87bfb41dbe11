import Foundation
import Postgres

/// The writes of a batch's accepted rows, in four set-based steps.
extension ImportBatchWriter {
    func write(rows: [PlannedRow], existingAccounts: Set<String>, existingEmails: Set<String>, equipmentIsNew: [Bool]) async throws {
        try await writeOrganizations(rows, existingAccounts: existingAccounts)
        guard let organizationIds = try await organizationIDs(for: rows) else { return }
        try await writeCustomers(rows, organizationIds: organizationIds, existingEmails: existingEmails)
        try await writeEquipment(rows, organizationIds: organizationIds, equipmentIsNew: equipmentIsNew)
    }

    /// 1. Organizations: update the existing ones (only what changes), insert the new ones.
    func writeOrganizations(_ rows: [PlannedRow], existingAccounts: Set<String>) async throws {
        let organizations = rows.filter(\.carriesOrganization).map(\.record)
        let updates = organizations.filter { existingAccounts.contains($0.accountNumber) }
        if !updates.isEmpty {
            try await tx.execute(
                """
                WITH s AS (
                    SELECT * FROM unnest(\(updates.map(\.accountNumber))::text[], \(updates.map { $0.organizationName ?? "" })::text[],
                                         \(updates.map { $0.kind?.rawValue ?? "" })::text[], \(updates.map { $0.serviceAddress ?? "" })::text[],
                                         \(updates.map { $0.servicePlan ?? "" })::text[], \(updates.map { $0.serviceStatus?.rawValue ?? "" })::text[],
                                         \(updates.map { $0.externalId ?? "" })::text[])
                           AS s(account_number, name, kind, address, plan, status, external_id)
                ), merged AS (
                    SELECT o.id,
                           COALESCE(NULLIF(s.name, ''), o.name) AS name,
                           COALESCE(NULLIF(s.kind, ''), o.kind) AS kind,
                           COALESCE(NULLIF(s.address, ''), o.service_address) AS service_address,
                           COALESCE(NULLIF(s.plan, ''), o.service_plan) AS service_plan,
                           COALESCE(NULLIF(s.status, ''), o.service_status) AS service_status,
                           COALESCE(NULLIF(s.external_id, ''), o.external_id) AS external_id
                      FROM organizations o JOIN s ON o.account_number = s.account_number
                )
                UPDATE organizations o
                   SET name = m.name, kind = m.kind, service_address = m.service_address, service_plan = m.service_plan,
                       service_status = m.service_status, external_id = m.external_id
                  FROM merged m
                 WHERE o.id = m.id
                   AND (o.name, o.kind, o.service_address, o.service_plan, o.service_status, o.external_id)
                       IS DISTINCT FROM (m.name, m.kind, m.service_address, m.service_plan, m.service_status, m.external_id)
                """)
        }
        let inserts = organizations.filter { !existingAccounts.contains($0.accountNumber) }
        if !inserts.isEmpty {
            try await tx.execute(
                """
                INSERT INTO organizations (tenant_id, account_number, name, kind, service_address, service_plan, service_status, external_id)
                SELECT \(tx.tenant), s.account_number, s.name, COALESCE(NULLIF(s.kind, ''), 'household'), s.address, s.plan,
                       COALESCE(NULLIF(s.status, ''), 'pending_install'), NULLIF(s.external_id, '')
                  FROM unnest(\(inserts.map(\.accountNumber))::text[], \(inserts.map { $0.nameForNewOrganization ?? "" })::text[],
                              \(inserts.map { $0.kind?.rawValue ?? "" })::text[], \(inserts.map { $0.serviceAddress ?? "" })::text[],
                              \(inserts.map { $0.servicePlan ?? "" })::text[], \(inserts.map { $0.serviceStatus?.rawValue ?? "" })::text[],
                              \(inserts.map { $0.externalId ?? "" })::text[])
                       AS s(account_number, name, kind, address, plan, status, external_id)
                ON CONFLICT (tenant_id, account_number) DO NOTHING
                """)
        }
    }

    /// 2. The organizations' ids by account number, for customers and equipment; nil when no row
    /// has either.
    func organizationIDs(for rows: [PlannedRow]) async throws -> [String: UUID]? {
        let dependent = rows.filter { $0.record.customer != nil || $0.record.equipment != nil }
        guard !dependent.isEmpty else { return nil }
        var organizationIds: [String: UUID] = [:]
        for row in try await tx.rows(
            """
            SELECT account_number, id FROM organizations WHERE account_number = ANY(\(Array(Set(dependent.map(\.record.accountNumber))))::text[])
            """)
        {
            organizationIds[try row.decode(at: 0, as: String.self)] = try row.decode(at: 1, as: UUID.self)
        }
        return organizationIds
    }

    /// 3. Customers: update those whose email exists, add the others as `pending`.
    func writeCustomers(_ rows: [PlannedRow], organizationIds: [String: UUID], existingEmails: Set<String>) async throws {
        struct CustomerRow {
            let organization: UUID
            let customer: ImportRecord.CustomerPart
            let fallbackName: String
            let first: Bool
        }
        let customers: [CustomerRow] = rows.compactMap { row in
            guard let customer = row.record.customer, let organization = organizationIds[row.record.accountNumber] else { return nil }
            let fallback = customer.name ?? row.record.organizationName ?? String(customer.email.prefix { $0 != "@" }.prefix(200))
            return CustomerRow(organization: organization, customer: customer, fallbackName: fallback, first: row.firstCustomerOfAccount)
        }
        let customerUpdates = customers.filter { existingEmails.contains($0.customer.email) }
        if !customerUpdates.isEmpty {
            try await tx.execute(
                """
                WITH s AS (
                    SELECT * FROM unnest(\(customerUpdates.map(\.customer.email))::text[], \(customerUpdates.map(\.organization))::uuid[],
                                         \(customerUpdates.map { $0.customer.name ?? "" })::text[], \(customerUpdates.map { $0.customer.phone ?? "" })::text[],
                                         \(customerUpdates.map { $0.customer.role?.rawValue ?? "" })::text[],
                                         \(customerUpdates.map { $0.customer.externalId ?? "" })::text[])
                           AS s(email, organization_id, name, phone, role, external_id)
                ), merged AS (
                    SELECT c.id, s.organization_id,
                           COALESCE(NULLIF(s.name, ''), c.name) AS name,
                           COALESCE(NULLIF(s.phone, ''), c.phone) AS phone,
                           COALESCE(NULLIF(s.role, ''), c.role) AS role,
                           COALESCE(NULLIF(s.external_id, ''), c.external_id) AS external_id
                      FROM customers c JOIN s ON c.email = s.email
                )
                UPDATE customers c
                   SET organization_id = m.organization_id, name = m.name, phone = m.phone,
                       phone_digits = regexp_replace(m.phone, '[^0-9]', '', 'g'), role = m.role, external_id = m.external_id
                  FROM merged m
                 WHERE c.id = m.id
                   AND (c.organization_id, c.name, c.phone, c.role, c.external_id)
                       IS DISTINCT FROM (m.organization_id, m.name, m.phone, m.role, m.external_id)
                """)
        }
        let customerInserts = customers.filter { !existingEmails.contains($0.customer.email) }
        if !customerInserts.isEmpty {
            try await tx.execute(
                """
                INSERT INTO customers (tenant_id, organization_id, role, name, email, phone, phone_digits, status, external_id, import_id)
                SELECT \(tx.tenant), s.organization_id,
                       CASE WHEN s.role <> '' THEN s.role
                            WHEN s.first AND NOT EXISTS (
                                SELECT 1 FROM customers o WHERE o.organization_id = s.organization_id AND o.role = 'owner') THEN 'owner'
                            ELSE 'member' END,
                       s.name, s.email, s.phone, regexp_replace(s.phone, '[^0-9]', '', 'g'), 'pending', NULLIF(s.external_id, ''),
                       \(importId)::text
                  FROM unnest(\(customerInserts.map(\.customer.email))::text[], \(customerInserts.map(\.organization))::uuid[],
                              \(customerInserts.map(\.fallbackName))::text[], \(customerInserts.map { $0.customer.phone ?? "" })::text[],
                              \(customerInserts.map { $0.customer.role?.rawValue ?? "" })::text[],
                              \(customerInserts.map { $0.customer.externalId ?? "" })::text[], \(customerInserts.map(\.first))::boolean[])
                       AS s(email, organization_id, name, phone, role, external_id, first)
                ON CONFLICT (tenant_id, email) DO NOTHING
                """)
        }
    }

    /// 4. Equipment: update the matching device, or add one.
    func writeEquipment(_ rows: [PlannedRow], organizationIds: [String: UUID], equipmentIsNew: [Bool]) async throws {
        var equipmentUpdates: [(UUID, ImportRecord.EquipmentPart)] = []
        var equipmentInserts: [(UUID, ImportRecord.EquipmentPart)] = []
        for (row, isNew) in zip(rows, equipmentIsNew) {
            guard let equipment = row.record.equipment, let organization = organizationIds[row.record.accountNumber] else { continue }
            if isNew { equipmentInserts.append((organization, equipment)) } else { equipmentUpdates.append((organization, equipment)) }
        }
        if !equipmentUpdates.isEmpty {
            try await tx.execute(
                """
                WITH s AS (
                    SELECT * FROM unnest(\(equipmentUpdates.map(\.0))::uuid[], \(equipmentUpdates.map { $0.1.model ?? "" })::text[],
                                         \(equipmentUpdates.map { $0.1.serial ?? "" })::text[], \(equipmentUpdates.map { $0.1.mac ?? "" })::text[],
                                         \(equipmentUpdates.map { $0.1.installedOn ?? "" })::text[])
                           AS s(organization_id, model, serial, mac, installed_on)
                ), merged AS (
                    SELECT e.id,
                           COALESCE(NULLIF(s.model, ''), e.model) AS model,
                           COALESCE(NULLIF(s.serial, ''), e.serial) AS serial,
                           COALESCE(NULLIF(s.mac, ''), e.mac) AS mac,
                           COALESCE(NULLIF(s.installed_on, '')::date, e.installed_on) AS installed_on
                      FROM equipment e JOIN s ON e.organization_id = s.organization_id
                     WHERE CASE WHEN s.mac <> '' THEN e.mac = s.mac
                                WHEN s.serial <> '' THEN lower(e.serial) = lower(s.serial)
                                ELSE e.mac = '' AND e.serial = '' AND lower(e.model) = lower(s.model) END
                )
                UPDATE equipment e
                   SET model = m.model, serial = m.serial, mac = m.mac, installed_on = m.installed_on
                  FROM merged m
                 WHERE e.id = m.id
                   AND (e.model, e.serial, e.mac, e.installed_on) IS DISTINCT FROM (m.model, m.serial, m.mac, m.installed_on)
                """)
        }
        if !equipmentInserts.isEmpty {
            try await tx.execute(
                """
                INSERT INTO equipment (tenant_id, organization_id, model, serial, mac, installed_on)
                SELECT \(tx.tenant), s.organization_id, s.model, s.serial, s.mac, NULLIF(s.installed_on, '')::date
                  FROM unnest(\(equipmentInserts.map(\.0))::uuid[], \(equipmentInserts.map { $0.1.model ?? "" })::text[],
                              \(equipmentInserts.map { $0.1.serial ?? "" })::text[], \(equipmentInserts.map { $0.1.mac ?? "" })::text[],
                              \(equipmentInserts.map { $0.1.installedOn ?? "" })::text[])
                       AS s(organization_id, model, serial, mac, installed_on)
                """)
        }
    }
}
