import Foundation

/// What became of one row.
enum ImportOutcome: String, Codable, Sendable {
    case created, updated, duplicate, error

    var label: String {
        switch self {
        case .created: "Created"
        case .updated: "Updated"
        case .duplicate: "Duplicate"
        case .error: "Error"
        }
    }
}

struct ImportRowResult: Codable, Sendable {
    let row: Int
    let outcome: ImportOutcome
    /// Account number and email, to recognise the row.
    let subject: String
    let message: String
}

/// A row that passed the checks that need no database, with what the file says about it.
struct PlannedRow: Sendable {
    var record: ImportRecord
    /// The first row of its account number: it carries the organization's fields. Later rows
    /// of the same account only add a customer or a piece of equipment to it.
    let carriesOrganization: Bool
    /// The row that carries this row's organization.
    let organizationRow: Int
    /// The first customer of its account in the file (owner when none is named).
    let firstCustomerOfAccount: Bool

    var subject: String {
        [record.accountNumber, record.customer?.email ?? ""].filter { !$0.isEmpty }.joined(separator: " · ")
    }
}

struct PlannedBatch: Sendable {
    var rows: [PlannedRow] = []
    /// Rows decided without the database: errors and duplicates.
    var results: [ImportRowResult] = []
}

/// Reads an import file batch by batch and applies the checks that need the whole file but
/// no database: row syntax, duplicates within the file (same email, same account number
/// with nothing new, same MAC on two accounts, one external id on two accounts).
///
/// Not thread-safe; the importer calls it from one task at a time (on a background thread,
/// since parsing 100,000 rows is CPU work).
final class ImportPlanner: @unchecked Sendable {
    private let reader: CSVRecordReader
    private let mapping: ImportMapping
    private let columnCount: Int

    private struct Account {
        let row: Int
        var equipment: Set<String>
        var hasCustomer: Bool
    }
    private var accounts: [String: Account] = [:]
    private var emails: [String: Int] = [:]
    private var macs: [String: (account: String, row: Int)] = [:]
    private var organizationExternalIds: [String: (account: String, row: Int)] = [:]
    private var customerExternalIds: [String: (email: String, row: Int)] = [:]
    /// Accounts whose first row could not be imported (found by the database checks).
    private var failedAccounts: [String: Int] = [:]

    init(text: String, delimiter: CSVDelimiter, mapping: ImportMapping) throws {
        reader = try CSVRecordReader(text: text, delimiter: delimiter)
        self.mapping = mapping
        columnCount = reader.header.count
    }

    /// Accounts whose organization row failed later, so rows that attach to them fail too.
    func markFailed(_ accounts: [String: Int]) {
        failedAccounts.merge(accounts) { first, _ in first }
    }

    /// Up to `size` rows; nil at the end of the file.
    func nextBatch(size: Int) -> PlannedBatch? {
        var batch = PlannedBatch()
        var count = 0
        while count < size, let values = reader.next() {
            count += 1
            let row = reader.rowNumber
            do {
                let record = try ImportRecord.parse(values, row: row, mapping: mapping, columnCount: columnCount)
                switch plan(record) {
                case .planned(let planned): batch.rows.append(planned)
                case .result(let result): batch.results.append(result)
                }
            } catch let problems as RowProblems {
                let subject = mapping.column(of: .accountNumber).flatMap { $0 < values.count ? ImportValue.clean(values[$0]) : nil } ?? ""
                batch.results.append(
                    ImportRowResult(
                        row: row, outcome: .error, subject: String(subject.prefix(64)),
                        message: problems.messages.joined(separator: "; ") + "."))
            } catch {
                batch.results.append(ImportRowResult(row: row, outcome: .error, subject: "", message: L10n.t("console.import.rowProblem.unreadable")))
            }
        }
        return count == 0 ? nil : batch
    }

    private enum Plan {
        case planned(PlannedRow)
        case result(ImportRowResult)
    }

    private func plan(_ input: ImportRecord) -> Plan {
        var record = input
        let row = record.row
        let account = record.accountNumber
        let subject = [account, record.customer?.email ?? ""].filter { !$0.isEmpty }.joined(separator: " · ")
        func error(_ message: String) -> Plan { .result(ImportRowResult(row: row, outcome: .error, subject: subject, message: message)) }
        func duplicate(_ message: String) -> Plan { .result(ImportRowResult(row: row, outcome: .duplicate, subject: subject, message: message)) }

        if let email = record.customer?.email, let first = emails[email] {
            return duplicate(L10n.t("console.import.rowProblem.emailRepeated", ["email": email, "row": "\(first)"]))
        }
        let known = accounts[account]
        if let failedRow = failedAccounts[account] {
            return error(L10n.t("console.import.rowProblem.accountFailed", ["account": account, "row": "\(failedRow)"]))
        }
        if let known {
            if let equipment = record.equipment, known.equipment.contains(equipment.identity) { record.equipment = nil }
            if record.customer == nil && record.equipment == nil {
                return duplicate(L10n.t("console.import.rowProblem.accountRepeated", ["account": account, "row": "\(known.row)"]))
            }
        }
        if let mac = record.equipment?.mac, let holder = macs[mac], holder.account != account {
            return error(L10n.t("console.import.rowProblem.macRepeated", ["mac": mac, "row": "\(holder.row)", "account": holder.account]))
        }
        if known == nil, let external = record.externalId, let holder = organizationExternalIds[external], holder.account != account {
            return error(L10n.t("console.import.rowProblem.externalIdRepeated", ["id": external, "account": holder.account, "row": "\(holder.row)"]))
        }
        if let customer = record.customer, let external = customer.externalId, let holder = customerExternalIds[external],
            holder.email != customer.email
        {
            return error(
                L10n.t("console.import.rowProblem.customerExternalIdRepeated", ["id": external, "email": holder.email, "row": "\(holder.row)"]))
        }

        // Accepted: remember what this row brings.
        let firstCustomer = record.customer != nil && !(known?.hasCustomer ?? false)
        var entry = known ?? Account(row: row, equipment: [], hasCustomer: false)
        if let equipment = record.equipment {
            entry.equipment.insert(equipment.identity)
            if let mac = equipment.mac { macs[mac] = (account, row) }
        }
        if let customer = record.customer {
            entry.hasCustomer = true
            emails[customer.email] = row
            if let external = customer.externalId { customerExternalIds[external] = (customer.email, row) }
        }
        if known == nil, let external = record.externalId { organizationExternalIds[external] = (account, row) }
        accounts[account] = entry
        return .planned(
            PlannedRow(
                record: record, carriesOrganization: known == nil, organizationRow: entry.row,
                firstCustomerOfAccount: firstCustomer))
    }
}
