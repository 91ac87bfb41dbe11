import Foundation

/// Subscriber-account fields as staff type them, validated.
public enum OrganizationInput {
    public static func parse(_ form: FormFields) throws -> NewOrganization {
        var problems: [String: String] = [:]
        let name = form.text("name")
        if name.isEmpty || name.count > 200 { problems["name"] = "Enter the account's name (at most 200 characters)." }
        let kind = OrganizationKind(rawValue: form.text("kind").isEmpty ? "household" : form.text("kind"))
        if kind == nil { problems["kind"] = "Choose household or business." }
        let status = ServiceStatus(rawValue: form.text("service_status").isEmpty ? "pending_install" : form.text("service_status"))
        if status == nil { problems["service_status"] = "Choose a service status from the list." }
        if form.text("service_address").count > 500 { problems["service_address"] = "Use at most 500 characters." }
        if form.text("service_plan").count > 200 { problems["service_plan"] = "Use at most 200 characters." }
        let account = form.text("account_number")
        if account.count > 64 { problems["account_number"] = "Use at most 64 characters." }
        guard problems.isEmpty, let kind, let status else { throw AppError.validation(problems) }
        return NewOrganization(
            accountNumber: account.isEmpty ? nil : account, name: name, kind: kind, serviceAddress: form.text("service_address"),
            servicePlan: form.text("service_plan"), serviceStatus: status)
    }
}

public enum EquipmentInput {
    /// `aa:bb:cc:dd:ee:ff` from any common spelling (dashes, dots, no separators, upper case).
    public static func normalizeMAC(_ text: String) -> String? {
        let hex = text.lowercased().filter { $0.isHexDigit }
        guard hex.count == 12, text.count <= 17 else { return nil }
        let characters = Array(hex)
        return stride(from: 0, to: 12, by: 2).map { String(characters[$0...$0 + 1]) }.joined(separator: ":")
    }

    public static func parse(_ form: FormFields) throws -> NewEquipment {
        var problems: [String: String] = [:]
        let model = form.text("model")
        if model.isEmpty || model.count > 200 { problems["model"] = "Enter the model (at most 200 characters)." }
        if form.text("serial").count > 200 { problems["serial"] = "Use at most 200 characters." }
        var mac = ""
        if !form.text("mac").isEmpty {
            if let normalized = normalizeMAC(form.text("mac")) {
                mac = normalized
            } else {
                problems["mac"] = "Use a MAC address like 00:27:22:aa:bb:cc."
            }
        }
        let installed = form.text("installed_on")
        if !installed.isEmpty && !DateInput.isISODate(installed) { problems["installed_on"] = "Use a date like 2024-05-31." }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return NewEquipment(model: model, serial: form.text("serial"), mac: mac, installedOn: installed.isEmpty ? nil : installed)
    }
}
