import Foundation
import Postgres

/// The checks and writes of one batch, inside one tenant transaction: set-based SQL (arrays
/// through `unnest`), a handful of statements per batch whatever its size.
///
/// Organizations are matched by account number, customers by email, equipment within its
/// organization by MAC, else serial number, else model. Existing records are updated with the
/// non-empty cells of the file (an empty cell keeps what is stored); new customers are
/// `pending` with no password, to be invited by staff.
struct ImportBatchWriter {
    struct Outcome: Sendable {
        var results: [ImportRowResult] = []
        var totals = ImportTotals()
        /// Accounts whose organization row failed here: later rows of theirs fail too.
        var failedAccounts: [String: Int] = [:]
    }

    let tx: TenantTransaction
    /// The import the logins created here belong to (`customers.import_id`).
    var importId: String? = nil

    func process(_ rows: [PlannedRow], write: Bool) async throws -> Outcome {
        var problems: [Int: String] = [:]  // index in `rows` → message
        var duplicates: Set<Int> = []  // the problems that are duplicates rather than errors

        // Organizations: which exist, and whose external id another account holds.
        let organizationRows = rows.indices.filter { rows[$0].carriesOrganization }
        let accountNumbers = organizationRows.map { rows[$0].record.accountNumber }
        let existingAccounts = Set(
            try await tx.rows(
                """
                SELECT account_number FROM organizations WHERE account_number = ANY(\(accountNumbers)::text[])
                """
            ).map { try $0.decode(at: 0, as: String.self) })
        let externalIds = organizationRows.compactMap { rows[$0].record.externalId }
        var externalHolders: [String: String] = [:]
        if !externalIds.isEmpty {
            for row in try await tx.rows(
                """
                SELECT external_id, account_number FROM organizations WHERE external_id = ANY(\(externalIds)::text[])
                """)
            {
                externalHolders[try row.decode(at: 0, as: String.self)] = try row.decode(at: 1, as: String.self)
            }
        }
        for index in organizationRows {
            let record = rows[index].record
            if let external = record.externalId, let holder = externalHolders[external], holder != record.accountNumber {
                problems[index] = L10n.t("console.import.rowProblem.externalIdTaken", ["id": external, "account": holder])
            } else if !existingAccounts.contains(record.accountNumber) && record.nameForNewOrganization == nil {
                problems[index] = L10n.t("console.import.rowProblem.newAccountNeedsName", ["account": record.accountNumber])
            }
        }

        // Customers: which exist, and whose external id another customer holds.
        let customerRows = rows.indices.filter { rows[$0].record.customer != nil }
        let emails = customerRows.map { rows[$0].record.customer!.email }
        var emailAccounts: [String: String] = [:]
        for row in try await tx.rows(
            """
            SELECT c.email, o.account_number
              FROM customers c JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id
             WHERE c.email = ANY(\(emails)::text[])
            """)
        {
            emailAccounts[try row.decode(at: 0, as: String.self)] = try row.decode(at: 1, as: String.self)
        }
        let existingEmails = Set(emailAccounts.keys)
        let customerExternalIds = customerRows.compactMap { rows[$0].record.customer?.externalId }
        var customerExternalHolders: [String: String] = [:]
        if !customerExternalIds.isEmpty {
            for row in try await tx.rows(
                """
                SELECT external_id, email FROM customers WHERE external_id = ANY(\(customerExternalIds)::text[])
                """)
            {
                customerExternalHolders[try row.decode(at: 0, as: String.self)] = try row.decode(at: 1, as: String.self)
            }
        }
        for index in customerRows where problems[index] == nil {
            let customer = rows[index].record.customer!
            // Duplicate detection by email: a customer signs in to one account, and an import
            // never moves them to another (staff do that deliberately, on the account page).
            if let holder = emailAccounts[customer.email], holder != rows[index].record.accountNumber {
                problems[index] = L10n.t("console.import.rowProblem.emailTaken", ["email": customer.email, "account": holder])
                duplicates.insert(index)
            } else if let external = customer.externalId, let holder = customerExternalHolders[external], holder != customer.email {
                problems[index] = L10n.t("console.import.rowProblem.customerExternalIdTaken", ["id": external, "email": holder])
            }
        }

        // A failed organization row takes the rows that attach to it along.
        var outcome = Outcome()
        for index in organizationRows where problems[index] != nil {
            outcome.failedAccounts[rows[index].record.accountNumber] = rows[index].record.row
        }
        for index in rows.indices where problems[index] == nil && !rows[index].carriesOrganization {
            if let failed = outcome.failedAccounts[rows[index].record.accountNumber] {
                problems[index] = L10n.t(
                    "console.import.rowProblem.accountFailed", ["account": rows[index].record.accountNumber, "row": "\(failed)"])
            }
        }

        // Equipment: which devices the accounts already have.
        let equipmentRows = rows.indices.filter { rows[$0].record.equipment != nil && problems[$0] == nil }
        var devices: [String: [(mac: String, serial: String, model: String)]] = [:]
        if !equipmentRows.isEmpty {
            let accounts = Array(Set(equipmentRows.map { rows[$0].record.accountNumber }))
            for row in try await tx.rows(
                """
                SELECT o.account_number, e.mac, e.serial, e.model
                  FROM equipment e JOIN organizations o ON o.tenant_id = e.tenant_id AND o.id = e.organization_id
                 WHERE o.account_number = ANY(\(accounts)::text[])
                """)
            {
                devices[try row.decode(at: 0, as: String.self), default: []].append(
                    (try row.decode(at: 1, as: String.self), try row.decode(at: 2, as: String.self), try row.decode(at: 3, as: String.self)))
            }
        }
        func deviceExists(_ equipment: ImportRecord.EquipmentPart, account: String) -> Bool {
            (devices[account] ?? []).contains { device in Self.matches(equipment, mac: device.mac, serial: device.serial, model: device.model) }
        }

        // Per-row outcome.
        var accepted: [Int] = []
        var equipmentIsNew: [Int: Bool] = [:]
        for index in rows.indices {
            let planned = rows[index]
            if let problem = problems[index] {
                let kind: ImportOutcome = duplicates.contains(index) ? .duplicate : .error
                outcome.results.append(ImportRowResult(row: planned.record.row, outcome: kind, subject: planned.subject, message: problem))
                outcome.totals.count(kind)
                continue
            }
            accepted.append(index)
            let texts = L10n.texts
            var parts: [String] = []
            var created = false
            if planned.carriesOrganization {
                if existingAccounts.contains(planned.record.accountNumber) {
                    parts.append(texts("console.import.done.accountUpdated", ["account": planned.record.accountNumber]))
                    outcome.totals.organizationsUpdated += 1
                } else {
                    parts.append(texts("console.import.done.accountCreated", ["account": planned.record.accountNumber]))
                    outcome.totals.organizationsCreated += 1
                    created = true
                }
            }
            if let customer = planned.record.customer {
                if existingEmails.contains(customer.email) {
                    parts.append(texts("console.import.done.customerUpdated", ["email": customer.email]))
                    outcome.totals.customersUpdated += 1
                } else {
                    parts.append(texts("console.import.done.customerCreated", ["email": customer.email]))
                    outcome.totals.customersCreated += 1
                    created = true
                }
            }
            if let equipment = planned.record.equipment {
                let isNew = !deviceExists(equipment, account: planned.record.accountNumber)
                equipmentIsNew[index] = isNew
                parts.append(texts(isNew ? "console.import.done.equipmentAdded" : "console.import.done.equipmentUpdated"))
                if isNew { outcome.totals.equipmentAdded += 1; created = true } else { outcome.totals.equipmentUpdated += 1 }
            }
            let kind: ImportOutcome = created ? .created : .updated
            // Parts are lower-case fragments ("account A-1 created"): one sentence in every language.
            var message = parts.joined(separator: ", ")
            message = message.prefix(1).uppercased() + message.dropFirst() + "."
            outcome.results.append(ImportRowResult(row: planned.record.row, outcome: kind, subject: planned.subject, message: message))
            outcome.totals.count(kind)
        }

        if write {
            try await self.write(
                rows: accepted.map { rows[$0] }, existingAccounts: existingAccounts, existingEmails: existingEmails,
                equipmentIsNew: accepted.map { equipmentIsNew[$0] ?? false })
        }
        return outcome
    }

    /// The database's matching rule for a device of the same organization, mirrored in SQL below.
    static func matches(_ equipment: ImportRecord.EquipmentPart, mac: String, serial: String, model: String) -> Bool {
        if let wanted = equipment.mac { return mac == wanted }
        if let wanted = equipment.serial { return serial.lowercased() == wanted.lowercased() }
        return mac.isEmpty && serial.isEmpty && model.lowercased() == (equipment.model ?? "").lowercased()
    }

    private func write(rows: [PlannedRow], existingAccounts: Set<String>, existingEmails: Set<String>, equipmentIsNew: [Bool]) async throws {
        // 1. Organizations: update the existing ones (only what changes), insert the new ones.
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

        // 2. The organizations' ids, for customers and equipment.
        let dependent = rows.filter { $0.record.customer != nil || $0.record.equipment != nil }
        guard !dependent.isEmpty else { return }
        var organizationIds: [String: UUID] = [:]
        for row in try await tx.rows(
            """
            SELECT account_number, id FROM organizations WHERE account_number = ANY(\(Array(Set(dependent.map(\.record.accountNumber))))::text[])
            """)
        {
            organizationIds[try row.decode(at: 0, as: String.self)] = try row.decode(at: 1, as: UUID.self)
        }

        // 3. Customers.
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

        // 4. Equipment: update the matching device, or add one.
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
