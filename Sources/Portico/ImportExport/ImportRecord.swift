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
        var problems: [String] = []
        let texts = L10n.texts
        func problem(_ name: String, _ values: [String: String] = [:]) { problems.append(texts("console.import.rowProblem.\(name)", values)) }
        if values.count > columnCount, values[columnCount...].contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problem("extraValues", ["values": "\(values.count)", "columns": "\(columnCount)"])
        }
        func value(_ field: ImportField) -> String? {
            guard let index = mapping.column(of: field), index < values.count else { return nil }
            let text = ImportValue.clean(values[index])
            return text.isEmpty ? nil : text
        }
        func text(_ field: ImportField, max: Int) -> String? {
            guard let text = value(field) else { return nil }
            if text.count > max {
                problem("tooLong", ["field": field.consoleLabel, "length": "\(text.count)", "max": "\(max)"])
                return nil
            }
            return text
        }

        let account = text(.accountNumber, max: 64)
        if value(.accountNumber) == nil { problem("accountMissing") }
        if let account, ImportValue.hasControlCharacters(account) { problem("accountControlCharacters") }
        var record = ImportRecord(row: row, accountNumber: account ?? "")
        record.organizationName = text(.organizationName, max: 200)
        record.serviceAddress = text(.serviceAddress, max: 500)
        record.servicePlan = text(.servicePlan, max: 200)
        record.externalId = text(.externalId, max: 200)
        if let kind = value(.kind) {
            record.kind = ImportValue.kind(kind)
            if record.kind == nil { problem("kindInvalid", ["value": String(kind.prefix(40))]) }
        }
        if let status = value(.serviceStatus) {
            record.serviceStatus = ImportValue.serviceStatus(status)
            if record.serviceStatus == nil {
                problem("statusInvalid", ["value": String(status.prefix(40))])
            }
        }

        let customerName = text(.customerName, max: 200)
        let phone = text(.phone, max: 40)
        if let phone, !ImportValue.isPhone(phone) { problem("phoneInvalid", ["value": phone]) }
        var role: CustomerRole?
        if let text = value(.customerRole) {
            role = ImportValue.role(text)
            if role == nil { problem("roleInvalid", ["value": String(text.prefix(40))]) }
        }
        let customerExternalId = text(.customerExternalId, max: 200)
        if let emailText = value(.email) {
            if let email = EmailAddress.normalize(emailText) {
                record.customer = CustomerPart(email: email, name: customerName, phone: phone, role: role, externalId: customerExternalId)
            } else {
                problem("emailInvalid", ["value": String(emailText.prefix(80))])
            }
        } else if phone != nil || role != nil || customerExternalId != nil {
            problem("emailMissing")
        }
        // Without an email the customer name still names a new organization.
        if record.customer == nil, let customerName, record.organizationName == nil {
            record.organizationName = customerName
        }

        let model = text(.equipmentModel, max: 200)
        let serial = text(.equipmentSerial, max: 200)
        var mac: String?
        if let text = value(.equipmentMAC) {
            mac = ImportValue.mac(text)
            if mac == nil { problem("macInvalid", ["value": String(text.prefix(40))]) }
        }
        var installed: String?
        if let text = value(.equipmentInstalledOn) {
            installed = ImportValue.date(text)
            if installed == nil { problem("dateInvalid", ["value": String(text.prefix(40))]) }
        }
        if model != nil || serial != nil || mac != nil || installed != nil {
            if model == nil && serial == nil && value(.equipmentMAC) == nil {
                problem("equipmentIncomplete")
            }
            record.equipment = EquipmentPart(model: model, serial: serial, mac: mac, installedOn: installed)
        }
        guard problems.isEmpty else { throw RowProblems(messages: problems) }
        return record
    }
}

struct RowProblems: Error {
    let messages: [String]
}
