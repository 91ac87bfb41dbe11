import Foundation

/// The branding form as an admin typed it: a complete `Branding` (logo and favicon are
/// uploaded separately and kept), the theme, and the version the form was loaded at.
struct BrandingInput {
    var branding: Branding
    var theme: String
    var version: Int

    // Key paths into a value type are immutable; Swift does not mark them Sendable yet.
    nonisolated(unsafe) static let colorFields: [(field: String, label: String, keyPath: WritableKeyPath<Branding, String>)] = [
        ("color_primary", "Primary", \.colorPrimary),
        ("color_secondary", "Secondary", \.colorSecondary),
        ("color_accent", "Accent", \.colorAccent),
        ("color_background", "Background", \.colorBackground),
        ("color_text", "Text", \.colorText),
    ]

    static let translatable = [
        TranslatableField(name: "welcome_message", label: "Welcome message", limit: 2000, multiline: true),
        TranslatableField(name: "footer_text", label: "Footer text", limit: 1000, multiline: true),
        TranslatableField(name: "support_hours", label: "Support hours", limit: 200, multiline: false),
    ]

    /// Checks every field and the colour contrast; all problems are reported at once.
    static func parse(_ form: FormFields, current: Branding, themes: [String], tenant: ResolvedTenant) throws -> BrandingInput {
        var problems: [String: String] = [:]
        var branding = current
        branding.companyName = form.text("company_name")
        if branding.companyName.isEmpty || branding.companyName.count > 200 {
            problems["company_name"] = "Enter the name subscribers know you by (at most 200 characters)."
        }
        for (field, label, keyPath) in colorFields {
            do {
                branding[keyPath: keyPath] = try Color(hex: form.text(field)).hex
            } catch {
                branding[keyPath: keyPath] = form.text(field)
                problems[field] = "\(label) colour: use six hex digits like #1f5fbf."
            }
        }
        func optional(_ field: String, limit: Int, _ check: (String) -> String? = { _ in nil }) -> String? {
            let value = form.text(field)
            guard !value.isEmpty else { return nil }
            if value.count > limit {
                problems[field] = "Use at most \(limit) characters."
            } else if let problem = check(value) {
                problems[field] = problem
            }
            return value
        }
        branding.supportEmail = optional("support_email", limit: 254) {
            EmailAddress.normalize($0) == nil ? "Enter an email address like support@example.net." : nil
        }.map { EmailAddress.normalize($0) ?? $0 }
        branding.supportPhone = optional("support_phone", limit: 40) {
            $0.allSatisfy { $0.isNumber || " +-().".contains($0) } ? nil : "Use digits, spaces and + - ( ) only."
        }
        branding.supportHours = optional("support_hours", limit: 200)
        branding.websiteUrl = optional("website_url", limit: 2000) { text in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                return "Enter a full web address starting with https://."
            }
            return nil
        }
        branding.welcomeMessage = form.text("welcome_message")
        if branding.welcomeMessage.count > 2000 { problems["welcome_message"] = "Use at most 2,000 characters." }
        branding.footerText = form.text("footer_text")
        if branding.footerText.count > 1000 { problems["footer_text"] = "Use at most 1,000 characters." }
        branding.customCss = form["custom_css"] ?? ""
        if branding.customCss.utf8.count > 50_000 {
            problems["custom_css"] = "Custom CSS is limited to 50,000 bytes."
        } else if branding.customCss.lowercased().contains("</style") || branding.customCss.contains("\u{0}") {
            problems["custom_css"] = "Custom CSS must be plain CSS (no HTML tags or NUL characters)."
        } else if branding.customCss.lowercased().contains("@import") {
            problems["custom_css"] = "@import is not allowed: the portal only loads stylesheets from its own host. Paste the rules instead."
        }
        branding.translations = TextTranslations.parse(
            form, fields: translatable, languages: TextTranslations.otherLanguages(of: tenant), defaultLanguage: tenant.defaultLanguage,
            keeping: current.translations, problems: &problems)
        if form["remove_logo"] == "1" { branding.logoUrl = nil }
        if form["remove_favicon"] == "1" { branding.faviconUrl = nil }

        let theme = form.text("theme").isEmpty ? "default" : form.text("theme")
        if !themes.contains(theme) { problems["theme"] = "Choose one of the themes listed." }
        let version = Int(form.text("version")) ?? -1

        for problem in BrandingContrast.problems(branding) where problems[problem.field] == nil {
            problems[problem.field] = problem.message
        }
        guard problems.isEmpty else {
            throw AppError.validation(
                problems,
                message: problems.keys.contains(where: { $0.hasPrefix("color_") })
                    ? "Some colours are hard to read together, or are not colours. Nothing was saved."
                    : "Some fields need attention. Nothing was saved.")
        }
        return BrandingInput(branding: branding, theme: theme, version: version)
    }
}
