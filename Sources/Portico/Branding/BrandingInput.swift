import Foundation

/// The branding form as an admin typed it: a complete `Branding` (logo and favicon are
/// uploaded separately and kept), the theme, and the version the form was loaded at.
struct BrandingInput {
    var branding: Branding
    var theme: String
    var version: Int

    // Key paths into a value type are immutable; Swift does not mark them Sendable yet.
    // The label is the catalog key's last part (`console.branding.color.primary`).
    nonisolated(unsafe) static let colorFields: [(field: String, label: String, keyPath: WritableKeyPath<Branding, String>)] = [
        ("color_primary", "primary", \.colorPrimary),
        ("color_secondary", "secondary", \.colorSecondary),
        ("color_accent", "accent", \.colorAccent),
        ("color_background", "background", \.colorBackground),
        ("color_text", "text", \.colorText),
    ]

    /// "Primary", in the reader's language.
    static func colorLabel(_ label: String) -> String { L10n.t("console.branding.color.\(label)") }

    static let translatable = [
        TranslatableField(
            name: "welcome_message", label: "Welcome message", labelKey: "console.branding.welcomeMessage", limit: 2000, multiline: true),
        TranslatableField(name: "footer_text", label: "Footer text", labelKey: "console.branding.footerText", limit: 1000, multiline: true),
        TranslatableField(
            name: "support_hours", label: "Support hours", labelKey: "console.branding.supportHours", limit: 200, multiline: false),
    ]

    /// Checks every field and the colour contrast; all problems are reported at once.
    static func parse(_ form: FormFields, current: Branding, themes: [String], tenant: ResolvedTenant) throws -> BrandingInput {
        var problems: [String: String] = [:]
        var branding = current
        branding.companyName = form.text("company_name")
        if branding.companyName.isEmpty || branding.companyName.count > 200 {
            problems["company_name"] = L10n.t("console.branding.invalid.companyName")
        }
        for (field, label, keyPath) in colorFields {
            do {
                branding[keyPath: keyPath] = try Color(hex: form.text(field)).hex
            } catch {
                branding[keyPath: keyPath] = form.text(field)
                problems[field] = L10n.t("console.branding.invalid.color", ["label": colorLabel(label)])
            }
        }
        func optional(_ field: String, limit: Int, _ check: (String) -> String? = { _ in nil }) -> String? {
            let value = form.text(field)
            guard !value.isEmpty else { return nil }
            if value.count > limit {
                problems[field] = L10n.t("console.branding.invalid.tooLong", ["max": "\(limit)"])
            } else if let problem = check(value) {
                problems[field] = problem
            }
            return value
        }
        branding.supportEmail = optional("support_email", limit: 254) {
            EmailAddress.normalize($0) == nil ? L10n.t("console.branding.invalid.email") : nil
        }.map { EmailAddress.normalize($0) ?? $0 }
        branding.supportPhone = optional("support_phone", limit: 40) {
            $0.allSatisfy { $0.isNumber || " +-().".contains($0) } ? nil : L10n.t("console.branding.invalid.phone")
        }
        branding.supportHours = optional("support_hours", limit: 200)
        branding.websiteUrl = optional("website_url", limit: 2000) { text in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                return L10n.t("console.branding.invalid.website")
            }
            return nil
        }
        branding.welcomeMessage = form.text("welcome_message")
        if branding.welcomeMessage.count > 2000 { problems["welcome_message"] = L10n.t("console.branding.invalid.welcomeTooLong") }
        branding.footerText = form.text("footer_text")
        if branding.footerText.count > 1000 { problems["footer_text"] = L10n.t("console.branding.invalid.footerTooLong") }
        branding.customCss = form["custom_css"] ?? ""
        if branding.customCss.utf8.count > 50_000 {
            problems["custom_css"] = L10n.t("console.branding.invalid.cssTooLong")
        } else if branding.customCss.lowercased().contains("</style") || branding.customCss.contains("\u{0}") {
            problems["custom_css"] = L10n.t("console.branding.invalid.cssNotPlain")
        } else if branding.customCss.lowercased().contains("@import") {
            problems["custom_css"] = L10n.t("console.branding.invalid.cssImport")
        }
        branding.translations = TextTranslations.parse(
            form, fields: translatable, languages: TextTranslations.otherLanguages(of: tenant), defaultLanguage: tenant.defaultLanguage,
            keeping: current.translations, problems: &problems)
        if form["remove_logo"] == "1" { branding.logoUrl = nil }
        if form["remove_favicon"] == "1" { branding.faviconUrl = nil }

        let theme = form.text("theme").isEmpty ? "default" : form.text("theme")
        if !themes.contains(theme) { problems["theme"] = L10n.t("console.branding.invalid.theme") }
        let version = Int(form.text("version")) ?? -1

        for problem in BrandingContrast.problems(branding) where problems[problem.field] == nil {
            problems[problem.field] = problem.message
        }
        guard problems.isEmpty else {
            throw AppError.validation(
                problems,
                message: problems.keys.contains(where: { $0.hasPrefix("color_") })
                    ? L10n.t("console.branding.invalid.colorsSummary")
                    : L10n.t("console.branding.invalid.summary"))
        }
        return BrandingInput(branding: branding, theme: theme, version: version)
    }
}
