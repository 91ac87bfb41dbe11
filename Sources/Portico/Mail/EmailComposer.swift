import Foundation
import Mustache

/// A rendered email, ready for the outbox.
public struct ComposedEmail: Sendable {
    public let kind: NotificationKind
    public let subject: String
    public let text: String
    public let html: String
}

/// Renders emails from the tenant's theme (`email/<kind>.text.mustache`, whose first line is
/// `Subject: …`, and `email/<kind>.html.mustache`), branded with the tenant's name, colours,
/// logo, support contacts and footer. Every link is built on the tenant's primary domain.
public struct EmailComposer: Sendable {
    let renderer: PageRenderer

    public init(renderer: PageRenderer) { self.renderer = renderer }

    /// What every email template can use as `brand`.
    @MustacheView
    public struct Brand: Sendable {
        public let companyName: String
        public let logoUrl: String?
        public let colorPrimary: String
        public let colorOnPrimary: String
        public let supportEmail: String?
        public let supportPhone: String?
        public let supportHours: String?
        public let footerText: String
        /// The text signature's first line: the company name and the footer text, without
        /// saying the name twice when the footer text already starts with or contains it.
        public let signature: String
        public let portalUrl: String
        public let statusUrl: String
    }

    /// The logo an email may show, or nil (the header then shows the company name alone).
    /// Gmail and Outlook do not display SVG, so only raster logos make it into mail: an
    /// uploaded logo by its checked type, any other address by its file extension.
    public static func emailLogoUrl(for branding: Branding) -> String? {
        guard let url = branding.logoUrl, !url.isEmpty else { return nil }
        if url.hasPrefix(PublicRoutes.brandingLogo.path) { return branding.logoType == "image/png" ? url : nil }
        let path = (url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url).lowercased()
        return [".png", ".jpg", ".jpeg", ".gif"].contains { path.hasSuffix($0) } ? url : nil
    }

    public static func signature(companyName: String, footerText: String) -> String {
        let footer = footerText.trimmingCharacters(in: .whitespacesAndNewlines)
        if footer.isEmpty { return companyName }
        if footer.range(of: companyName, options: .caseInsensitive) != nil { return footer }
        return "\(companyName) · \(footer)"
    }

    /// The brand as a reader of `language` sees it: footer text and support hours in their
    /// language when the tenant gave them.
    public static func brand(for tenant: ResolvedTenant, language: Language = L10n.texts.language) -> Brand {
        let branding = tenant.branding
        let footerText = branding.translations.localized("footer_text", default: branding.footerText, language: language)
        let onPrimary = (try? Color(hex: branding.colorPrimary))?.bestTextColor.hex ?? "#ffffff"
        var logo = emailLogoUrl(for: branding)
        if let path = logo, path.hasPrefix("/") { logo = tenant.url(path) }
        return Brand(
            companyName: branding.companyName, logoUrl: logo, colorPrimary: branding.colorPrimary, colorOnPrimary: onPrimary,
            supportEmail: branding.supportEmail, supportPhone: branding.supportPhone,
            supportHours: branding.translations.localized("support_hours", default: branding.supportHours, language: language),
            footerText: footerText, signature: signature(companyName: branding.companyName, footerText: footerText),
            portalUrl: tenant.url(PortalRoutes.home.path), statusUrl: tenant.url(PublicRoutes.status.path)
        )
    }

    /// Renders `kind` with `values` (plus `brand`, `recipientName` and, unless `values` names
    /// another, the kind's `actionLabel` for the button). `unsubscribeUrl` in `values` adds the
    /// unsubscribe link to both parts' footers.
    public func compose(
        _ kind: NotificationKind, tenant: ResolvedTenant, recipientName: String, values: [String: any Sendable] = [:]
    ) throws -> ComposedEmail {
        var view: [String: Any] = values
        let texts = renderer.texts
        let brand = Self.brand(for: tenant, language: texts.language)
        // Someone not named yet: a subscriber ("Hi there,") or a colleague invited to the console.
        let name = recipientName.isEmpty ? texts(kind.isStaffMail ? "email.thereStaff" : "email.there") : recipientName
        view["brand"] = brand
        view["recipientName"] = name
        view["lang"] = texts.language.code
        // Sentences with the email's values in them, formatted here: `{{m.welcome.subject}}`.
        var filling = values.mapValues { "\($0)" }
        filling["company"] = brand.companyName
        filling["name"] = name
        view["m"] = FilledTexts(texts: texts, prefix: "email", values: filling)
        if view["actionLabel"] == nil {
            let key = "email.action.\(kind.rawValue)"
            view["actionLabel"] = texts.has(key) ? texts(key) : kind.actionLabel
        }
        guard let rawText = try renderer.renderText(.emailText(kind), theme: tenant.theme, view),
            let html = try renderer.renderText(.emailHTML(kind), theme: tenant.theme, view)
        else {
            throw RenderError(template: "email/\(kind.rawValue)")
        }
        var lines = rawText.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("Subject:") else {
            throw RenderError(template: "email/\(kind.rawValue).text", reason: "must start with a \"Subject: …\" line")
        }
        let subject = first.dropFirst("Subject:".count).trimmingCharacters(in: .whitespaces)
        lines.removeFirst()
        while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
        return ComposedEmail(kind: kind, subject: subject, text: lines.joined(separator: "\n"), html: html)
    }
}

/// The catalog's `email.*` texts with the email's values filled in, for templates:
/// `{{m.verify_email.subject}}` is `email.verify_email.subject` with `{company}`, `{name}` and
/// the sender's values (`{newEmail}`, …) in place.
struct FilledTexts: MustacheParent {
    let texts: Texts
    let prefix: String
    let values: [String: String]

    func child(named name: String) -> Any? {
        let key = prefix + "." + name
        return texts.has(key) ? texts(key, values) : FilledTexts(texts: texts, prefix: key, values: values)
    }
}
