import Foundation

/// What a column of an import file can hold. Raw values are the form values of the mapping
/// step and the column names of our own exports.
enum ImportField: String, CaseIterable, Codable, Sendable {
    case accountNumber = "account_number"
    case organizationName = "organization_name"
    case kind
    case serviceAddress = "service_address"
    case servicePlan = "service_plan"
    case serviceStatus = "service_status"
    case externalId = "external_id"
    case customerName = "customer_name"
    case email
    case phone
    case customerRole = "customer_role"
    case customerExternalId = "customer_external_id"
    case equipmentModel = "equipment_model"
    case equipmentSerial = "equipment_serial"
    case equipmentMAC = "equipment_mac"
    case equipmentInstalledOn = "equipment_installed_on"

    /// The field's name in the console's language (`label` stays English for the CLI).
    var consoleLabel: String { L10n.t("console.import.fieldName.\(rawValue)") }

    var label: String {
        switch self {
        case .accountNumber: "Account number"
        case .organizationName: "Organization / household name"
        case .kind: "Kind (household or business)"
        case .serviceAddress: "Service address"
        case .servicePlan: "Service plan"
        case .serviceStatus: "Service status"
        case .externalId: "External id (account)"
        case .customerName: "Customer name"
        case .email: "Customer email"
        case .phone: "Customer phone"
        case .customerRole: "Customer role (owner or member)"
        case .customerExternalId: "External id (customer)"
        case .equipmentModel: "Equipment model"
        case .equipmentSerial: "Equipment serial number"
        case .equipmentMAC: "Equipment MAC address"
        case .equipmentInstalledOn: "Equipment install date"
        }
    }

    /// Header names (after `ImportMapping.key`) that mean this field, besides the raw value
    /// and the label.
    var synonyms: [String] {
        switch self {
        case .accountNumber:
            [
                "account", "accountno", "accountnum", "acct", "acctno", "acctnum", "acctnumber", "accountid", "accountcode",
                "customerid", "customerno", "customernumber", "customernum", "subscriberid", "subscribernumber", "accountnr",
            ]
        case .organizationName:
            [
                "organization", "organisation", "organisationname", "org", "orgname", "household", "householdname", "company",
                "companyname", "business", "businessname", "accountname",
            ]
        case .kind:
            ["type", "accounttype", "customertype", "organizationtype", "organizationkind", "householdorbusiness"]
        case .serviceAddress:
            ["address", "streetaddress", "serviceaddr", "installaddress", "installationaddress", "servicelocation", "location", "siteaddress"]
        case .servicePlan:
            ["plan", "package", "servicepackage", "planname", "tier", "servicetier", "speedplan", "product", "subscription"]
        case .serviceStatus:
            ["status", "accountstatus", "subscriptionstatus"]
        case .externalId:
            [
                "externalid", "extid", "externalref", "externalreference", "reference", "ref", "legacyid", "accountexternalid",
                "organizationexternalid",
            ]
        case .customerName:
            ["name", "fullname", "contactname", "contact", "subscriber", "subscribername", "customer", "personname", "firstandlastname"]
        case .email:
            ["email", "emailaddress", "mail", "emailaddr", "customeremail", "contactemail", "emailid"]
        case .phone:
            [
                "phone", "phonenumber", "phoneno", "mobile", "mobilenumber", "mobilephone", "mobileno", "tel", "telephone", "telephonenumber",
                "cell", "cellphone", "cellnumber", "contactphone", "customerphone",
            ]
        case .customerRole:
            ["role", "memberrole", "contactrole"]
        case .customerExternalId:
            ["customerexternalid", "contactid", "personid", "customerref", "customerreference"]
        case .equipmentModel:
            ["model", "devicemodel", "cpemodel", "radiomodel", "equipment", "device", "cpe", "radio"]
        case .equipmentSerial:
            ["serial", "serialnumber", "serialno", "sn", "equipmentserialnumber", "deviceserial", "cpeserial"]
        case .equipmentMAC:
            ["mac", "macaddress", "macaddr", "equipmentmacaddress", "devicemac", "cpemac", "radiomac"]
        case .equipmentInstalledOn:
            [
                "installed", "installdate", "installedon", "installationdate", "dateinstalled", "installeddate", "installedat", "equipmentinstalled",
                "equipmentinstalldate",
            ]
        }
    }
}

/// Which field each column of a file feeds (nil: ignored).
struct ImportMapping: Sendable, Equatable {
    var columns: [ImportField?]

    /// Lower-case letters and digits only, accents folded: "Account #" → "account", "E-mail" →
    /// "email", "S/N" → "sn", "Annulé" → "annule".
    static func key(_ header: String) -> String {
        let folded = header.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        return String(folded.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII })
    }

    static let synonymTable: [String: ImportField] = {
        var table: [String: ImportField] = [:]
        for field in ImportField.allCases {
            for name in [field.rawValue, field.label] + field.synonyms {
                let normalized = ImportMapping.key(name)
                precondition(table[normalized] == nil || table[normalized] == field, "synonym \(normalized) is ambiguous")
                table[normalized] = field
            }
        }
        return table
    }()

    /// The mapping guessed from header names; when two columns name the same field, the
    /// first one gets it.
    static func automatic(header: [String]) -> ImportMapping {
        var used = Set<ImportField>()
        return ImportMapping(
            columns: header.map { name in
                guard let field = synonymTable[key(name)], !used.contains(field) else { return nil }
                used.insert(field)
                return field
            })
    }

    /// Stored form: one raw value per column, "" for ignored.
    var stored: [String] { columns.map { $0?.rawValue ?? "" } }

    init(columns: [ImportField?]) {
        self.columns = columns
    }

    init(stored: [String]) {
        columns = stored.map { ImportField(rawValue: $0) }
    }

    func column(of field: ImportField) -> Int? { columns.firstIndex(of: field) }

    var fields: Set<ImportField> { Set(columns.compactMap { $0 }) }

    /// Problems with the mapping as a whole: the fields an import cannot do without, and a
    /// field given to two columns.
    func problems(header: [String]) -> [String] {
        var problems: [String] = []
        if !fields.contains(.accountNumber) {
            problems.append(L10n.t("console.import.needAccountNumber"))
        }
        if !fields.contains(.organizationName) && !fields.contains(.customerName) {
            problems.append(L10n.t("console.import.needName"))
        }
        if fields.contains(.customerName) || fields.contains(.phone) || fields.contains(.customerRole) || fields.contains(.customerExternalId),
            !fields.contains(.email)
        {
            problems.append(L10n.t("console.import.needEmail"))
        }
        for field in ImportField.allCases {
            let indexes = columns.indices.filter { columns[$0] == field }
            if indexes.count > 1 {
                let names = indexes.map {
                    header.indices.contains($0) && !header[$0].isEmpty ? header[$0] : L10n.t("console.import.columnLower", ["number": "\($0 + 1)"])
                }
                problems.append(L10n.t("console.import.twice", ["columns": L10n.texts.list(names), "field": field.consoleLabel]))
            }
        }
        return problems
    }
}

/// Cell values as an import reads them.
enum ImportValue {
    /// Trimmed; the apostrophe our exports put before `=`, `+`, `-`, `@`, tab or CR (so a
    /// spreadsheet does not run the cell as a formula) is taken off again — exactly one, the
    /// one `CSVWriter.cell` added.
    static func clean(_ raw: String) -> String {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("'"), CSVWriter.needsPrefix(Substring(text).unicodeScalars) {
            text.removeFirst()
            // A neutralised tab or CR is white space like any other at the edge of a cell.
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return text
    }

    /// `00:1A:2B:3C:4D:5E`, `00-1a-2b-3c-4d-5e`, `001a.2b3c.4d5e`, `001A2B3C4D5E` → `00:1a:2b:3c:4d:5e`.
    static func mac(_ text: String) -> String? {
        let digits = Array(text.lowercased().filter { !":-. ".contains($0) })
        guard digits.count == 12, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        return stride(from: 0, to: 12, by: 2).map { String(digits[$0...$0 + 1]) }.joined(separator: ":")
    }

    /// `2024-05-31`, `2024/05/31`, `2024.05.31`, or an ISO timestamp starting with a date.
    static func date(_ text: String) -> String? {
        var candidate = String(text.prefix(10)).replacingOccurrences(of: "/", with: "-").replacingOccurrences(of: ".", with: "-")
        let rest = text.dropFirst(10)
        if !rest.isEmpty, !(rest.hasPrefix("T") || rest.hasPrefix(" ")) { return nil }
        if candidate.count != 10 { candidate = "" }
        return DateInput.isISODate(candidate) ? candidate : nil
    }

    static func serviceStatus(_ text: String) -> ServiceStatus? {
        switch ImportMapping.key(text) {
        case "active", "activated", "live", "inservice": .active
        case "activo", "activa", "ativo", "ativa", "actif": .active
        case "suspended", "suspend", "onhold": .suspended
        case "suspendido", "suspendida", "suspenso", "suspensa", "suspendu", "suspendue": .suspended
        case "pendinginstall", "pendinginstallation", "pending", "installpending", "awaitinginstall", "awaitinginstallation": .pendingInstall
        case "pendientedeinstalacion", "pendiente", "instalacionpendiente", "instalacaopendente", "pendente", "aguardandoinstalacao",
            "enattentedinstallation", "installationenattente", "enattente":
            .pendingInstall
        case "cancelled", "canceled", "cancel", "terminated", "disconnected": .cancelled
        case "cancelado", "cancelada", "baja", "dadodebaja", "annule", "annulee", "resilie", "resiliee": .cancelled
        default: nil
        }
    }

    static func kind(_ text: String) -> OrganizationKind? {
        switch ImportMapping.key(text) {
        case "household", "residential", "residence", "home", "private", "consumer": .household
        case "hogar", "residencial", "domestico", "particular", "residencia", "pessoafisica", "foyer", "particulier", "residentiel": .household
        case "business", "commercial", "company", "corporate", "enterprise", "smb": .business
        case "empresa", "negocio", "empresarial", "pessoajuridica", "entreprise", "professionnel", "societe": .business
        default: nil
        }
    }

    static func role(_ text: String) -> CustomerRole? {
        switch ImportMapping.key(text) {
        case "owner", "primary", "accountholder", "main": .owner
        case "titular", "propietario", "propietaria", "dono", "dona", "proprietario", "titulaire", "proprietaire": .owner
        case "member", "secondary", "additional", "user": .member
        case "miembro", "adicional", "membro", "membre", "usuario", "utilisateur": .member
        default: nil
        }
    }

    /// Digits with the usual punctuation (`+1 (555) 010-0100 ext 12`); at least five digits.
    static func isPhone(_ text: String) -> Bool {
        let digits = text.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        var rest = text.lowercased()
        for word in ["extension", "ext", "x"] { rest = rest.replacingOccurrences(of: word, with: "") }
        let allowed = CharacterSet(charactersIn: "0123456789+-(). /#")
        return digits >= 5 && rest.unicodeScalars.allSatisfy { allowed.contains($0) }
    }

    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }
    }
}

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
