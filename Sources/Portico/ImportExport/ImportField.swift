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
