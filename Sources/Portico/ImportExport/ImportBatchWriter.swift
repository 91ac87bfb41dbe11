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

    /// What the checks found, by index in the batch's rows.
    struct Findings {
        /// Why a row cannot be written.
        var problems: [Int: String] = [:]
        /// The problems that are duplicates rather than errors.
        var duplicates: Set<Int> = []
    }

    /// The devices the batch's accounts already have, by account number.
    struct ExistingDevices {
        var byAccount: [String: [(mac: String, serial: String, model: String)]] = [:]

        func contains(_ equipment: ImportRecord.EquipmentPart, account: String) -> Bool {
            (byAccount[account] ?? []).contains { device in
                ImportBatchWriter.matches(equipment, mac: device.mac, serial: device.serial, model: device.model)
            }
        }
    }

    /// Checks every row against what the tenant already holds, says row by row what happens
    /// (or why not), and with `write` writes the rows that pass.
    func process(_ rows: [PlannedRow], write: Bool) async throws -> Outcome {
        var findings = Findings()
        let existingAccounts = try await checkOrganizations(rows, &findings)
        let existingEmails = try await checkCustomers(rows, &findings)
        var outcome = Outcome()
        outcome.failedAccounts = failRowsOfFailedAccounts(rows, &findings)
        let devices = try await existingDevices(rows, findings)
        let (accepted, equipmentIsNew) = tally(
            rows, findings, existingAccounts: existingAccounts, existingEmails: existingEmails, devices: devices, into: &outcome)
        if write {
            try await self.write(
                rows: accepted.map { rows[$0] }, existingAccounts: existingAccounts, existingEmails: existingEmails,
                equipmentIsNew: accepted.map { equipmentIsNew[$0] ?? false })
        }
        return outcome
    }

    /// Organizations: which exist (returned), and whose external id another account holds.
    func checkOrganizations(_ rows: [PlannedRow], _ findings: inout Findings) async throws -> Set<String> {
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
                findings.problems[index] = L10n.t("console.import.rowProblem.externalIdTaken", ["id": external, "account": holder])
            } else if !existingAccounts.contains(record.accountNumber) && record.nameForNewOrganization == nil {
                findings.problems[index] = L10n.t("console.import.rowProblem.newAccountNeedsName", ["account": record.accountNumber])
            }
        }
        return existingAccounts
    }

    /// Customers: which exist (their emails, returned), and whose email or external id another
    /// account or customer holds.
    func checkCustomers(_ rows: [PlannedRow], _ findings: inout Findings) async throws -> Set<String> {
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
        for index in customerRows where findings.problems[index] == nil {
            let customer = rows[index].record.customer!
            // Duplicate detection by email: a customer signs in to one account, and an import
            // never moves them to another (staff do that deliberately, on the account page).
            if let holder = emailAccounts[customer.email], holder != rows[index].record.accountNumber {
                findings.problems[index] = L10n.t("console.import.rowProblem.emailTaken", ["email": customer.email, "account": holder])
                findings.duplicates.insert(index)
            } else if let external = customer.externalId, let holder = customerExternalHolders[external], holder != customer.email {
                findings.problems[index] = L10n.t("console.import.rowProblem.customerExternalIdTaken", ["id": external, "email": holder])
            }
        }
        return existingEmails
    }

    /// A failed organization row takes the rows that attach to it along; the failed accounts
    /// with their row number.
    func failRowsOfFailedAccounts(_ rows: [PlannedRow], _ findings: inout Findings) -> [String: Int] {
        var failedAccounts: [String: Int] = [:]
        for index in rows.indices where rows[index].carriesOrganization && findings.problems[index] != nil {
            failedAccounts[rows[index].record.accountNumber] = rows[index].record.row
        }
        for index in rows.indices where findings.problems[index] == nil && !rows[index].carriesOrganization {
            if let failed = failedAccounts[rows[index].record.accountNumber] {
                findings.problems[index] = L10n.t(
                    "console.import.rowProblem.accountFailed", ["account": rows[index].record.accountNumber, "row": "\(failed)"])
            }
        }
        return failedAccounts
    }

    /// Equipment: which devices the accounts of the rows still standing already have.
    func existingDevices(_ rows: [PlannedRow], _ findings: Findings) async throws -> ExistingDevices {
        let equipmentRows = rows.indices.filter { rows[$0].record.equipment != nil && findings.problems[$0] == nil }
        var devices = ExistingDevices()
        if !equipmentRows.isEmpty {
            let accounts = Array(Set(equipmentRows.map { rows[$0].record.accountNumber }))
            for row in try await tx.rows(
                """
                SELECT o.account_number, e.mac, e.serial, e.model
                  FROM equipment e JOIN organizations o ON o.tenant_id = e.tenant_id AND o.id = e.organization_id
                 WHERE o.account_number = ANY(\(accounts)::text[])
                """)
            {
                devices.byAccount[try row.decode(at: 0, as: String.self), default: []].append(
                    (try row.decode(at: 1, as: String.self), try row.decode(at: 2, as: String.self), try row.decode(at: 3, as: String.self)))
            }
        }
        return devices
    }

    /// Each row's outcome and message into `outcome`; the rows to write (indexes) and, by index,
    /// whether their device is new.
    func tally(
        _ rows: [PlannedRow], _ findings: Findings, existingAccounts: Set<String>, existingEmails: Set<String>, devices: ExistingDevices,
        into outcome: inout Outcome
    ) -> (accepted: [Int], equipmentIsNew: [Int: Bool]) {
        var accepted: [Int] = []
        var equipmentIsNew: [Int: Bool] = [:]
        for index in rows.indices {
            let planned = rows[index]
            if let problem = findings.problems[index] {
                let kind: ImportOutcome = findings.duplicates.contains(index) ? .duplicate : .error
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
                let isNew = !devices.contains(equipment, account: planned.record.accountNumber)
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
        return (accepted, equipmentIsNew)
    }

    /// The database's matching rule for a device of the same organization, mirrored in SQL below.
    static func matches(_ equipment: ImportRecord.EquipmentPart, mac: String, serial: String, model: String) -> Bool {
        if let wanted = equipment.mac { return mac == wanted }
        if let wanted = equipment.serial { return serial.lowercased() == wanted.lowercased() }
        return mac.isEmpty && serial.isEmpty && model.lowercased() == (equipment.model ?? "").lowercased()
    }
}
