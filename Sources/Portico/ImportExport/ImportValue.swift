import Foundation

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
