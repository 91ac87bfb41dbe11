import Foundation

/// One data row, checked and normalised. Optional values are nil when the cell was empty:
/// an empty cell never clears what an existing record holds.
struct ImportRecord: Sendable {
    let row: Int
    var accountNumber: String
    var organizationName: String?
    var kind: OrganizationKind?
    var serviceAddress: String?
    var servicePlan: String?
    var serviceStatus: ServiceStatus?
    var externalId: String?
    var customer: CustomerPart?
    var equipment: EquipmentPart?

    struct CustomerPart: Sendable {
        var email: String
        var name: String?
        var phone: String?
        var role: CustomerRole?
        var externalId: String?
    }

    struct EquipmentPart: Sendable {
        var model: String?
        var serial: String?
        var mac: String?
        var installedOn: String?

        /// What identifies a device within an account: its MAC, else its serial, else its model.
        var identity: String {
            if let mac { return "mac:\(mac)" }
            if let serial { return "serial:\(serial.lowercased())" }
            return "model:\((model ?? "").lowercased())"
        }
    }

    /// The name a new organization gets: its own, else the customer's.
    var nameForNewOrganization: String? { organizationName ?? customer?.name }

    /// Reads one row with `mapping`; throws the row's problems, all of them at once.
    static func parse(_ values: [String], row: Int, mapping: ImportMapping, columnCount: Int) throws(RowProblems) -> ImportRecord {
        var reader = ImportRowReader(values: values, mapping: mapping)
        if values.count > columnCount, values[columnCount...].contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            reader.problem("extraValues", ["values": "\(values.count)", "columns": "\(columnCount)"])
        }
        var record = reader.organization(row: row)
        reader.customer(into: &record)
        reader.equipment(into: &record)
        guard reader.problems.isEmpty else { throw RowProblems(messages: reader.problems) }
        return record
    }
}

/// One row's cells as `ImportRecord.parse` reads them, part by part, keeping every problem in
/// the order found.
struct ImportRowReader {
    let values: [String]
    let mapping: ImportMapping
    var problems: [String] = []
    let texts = L10n.texts

    init(values: [String], mapping: ImportMapping) {
        self.values = values
        self.mapping = mapping
    }

    mutating func problem(_ name: String, _ values: [String: String] = [:]) {
        problems.append(texts("console.import.rowProblem.\(name)", values))
    }

    /// The cleaned cell of `field`; nil when unmapped or empty.
    func value(_ field: ImportField) -> String? {
        guard let index = mapping.column(of: field), index < values.count else { return nil }
        let text = ImportValue.clean(values[index])
        return text.isEmpty ? nil : text
    }

    /// The cell of `field` when at most `max` characters long, else a problem and nil.
    mutating func text(_ field: ImportField, max: Int) -> String? {
        guard let text = value(field) else { return nil }
        if text.count > max {
            problem("tooLong", ["field": field.consoleLabel, "length": "\(text.count)", "max": "\(max)"])
            return nil
        }
        return text
    }

    /// The cell of `field` read by `read`; a cell it cannot read is the problem `invalid`.
    mutating func parsed<Value>(_ field: ImportField, _ read: (String) -> Value?, invalid: String) -> Value? {
        guard let text = value(field) else { return nil }
        let parsed = read(text)
        if parsed == nil { problem(invalid, ["value": String(text.prefix(40))]) }
        return parsed
    }

    /// The account: its number (required) and the organization's fields.
    mutating func organization(row: Int) -> ImportRecord {
        let account = text(.accountNumber, max: 64)
        if value(.accountNumber) == nil { problem("accountMissing") }
        if let account, ImportValue.hasControlCharacters(account) { problem("accountControlCharacters") }
        var record = ImportRecord(row: row, accountNumber: account ?? "")
        record.organizationName = text(.organizationName, max: 200)
        record.serviceAddress = text(.serviceAddress, max: 500)
        record.servicePlan = text(.servicePlan, max: 200)
        record.externalId = text(.externalId, max: 200)
        record.kind = parsed(.kind, ImportValue.kind, invalid: "kindInvalid")
        record.serviceStatus = parsed(.serviceStatus, ImportValue.serviceStatus, invalid: "statusInvalid")
        return record
    }

    /// The customer, when the row has an email; without one the customer name still names a new
    /// organization.
    mutating func customer(into record: inout ImportRecord) {
        let customerName = text(.customerName, max: 200)
        let phone = text(.phone, max: 40)
        if let phone, !ImportValue.isPhone(phone) { problem("phoneInvalid", ["value": phone]) }
        let role = parsed(.customerRole, ImportValue.role, invalid: "roleInvalid")
        let customerExternalId = text(.customerExternalId, max: 200)
        if let emailText = value(.email) {
            if let email = EmailAddress.normalize(emailText) {
                record.customer = ImportRecord.CustomerPart(
                    email: email, name: customerName, phone: phone, role: role, externalId: customerExternalId)
            } else {
                problem("emailInvalid", ["value": String(emailText.prefix(80))])
            }
        } else if phone != nil || role != nil || customerExternalId != nil {
            problem("emailMissing")
        }
        if record.customer == nil, let customerName, record.organizationName == nil {
            record.organizationName = customerName
        }
    }

    /// The device, when any equipment cell is filled: it needs a model, serial or MAC.
    mutating func equipment(into record: inout ImportRecord) {
        let model = text(.equipmentModel, max: 200)
        let serial = text(.equipmentSerial, max: 200)
        let mac = parsed(.equipmentMAC, ImportValue.mac, invalid: "macInvalid")
        let installed = parsed(.equipmentInstalledOn, ImportValue.date, invalid: "dateInvalid")
        if model != nil || serial != nil || mac != nil || installed != nil {
            if model == nil && serial == nil && value(.equipmentMAC) == nil {
                problem("equipmentIncomplete")
            }
            record.equipment = ImportRecord.EquipmentPart(model: model, serial: serial, mac: mac, installedOn: installed)
        }
    }
}

struct RowProblems: Error {
    let messages: [String]
}
