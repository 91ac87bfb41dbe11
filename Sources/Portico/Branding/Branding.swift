import Foundation
import Postgres

/// How a tenant's portal looks and what it says about the tenant. Colours reach pages as
/// CSS custom properties (`/branding.css`), never by editing templates.
public struct Branding: Sendable, Codable, Equatable {
    public var companyName: String
    public var logoUrl: String?
    public var faviconUrl: String?
    public var colorPrimary: String
    public var colorSecondary: String
    public var colorAccent: String
    public var colorBackground: String
    public var colorText: String
    public var supportEmail: String?
    public var supportPhone: String?
    public var supportHours: String?
    public var websiteUrl: String?
    public var welcomeMessage: String
    public var footerText: String
    public var customCss: String
    public var version: Int
    /// The checked type of an uploaded logo (`image/png`, `image/svg+xml`); nil otherwise.
    public var logoType: String? = nil
    /// The welcome message, footer text and support hours in the tenant's other languages.
    public var translations = TextTranslations()

    public static func defaults(companyName: String) -> Branding {
        Branding(
            companyName: companyName, logoUrl: nil, faviconUrl: nil,
            colorPrimary: "#1f5fbf", colorSecondary: "#4b5563", colorAccent: "#b45309",
            colorBackground: "#ffffff", colorText: "#1f2933",
            supportEmail: nil, supportPhone: nil, supportHours: nil, websiteUrl: nil,
            welcomeMessage: "", footerText: "", customCss: "", version: 1
        )
    }

    /// The colours as CSS custom properties, plus derived ones (readable text on the
    /// primary colour).
    public var cssVariables: String {
        let onPrimary = (try? Color(hex: colorPrimary)).map { $0.bestTextColor.hex } ?? "#ffffff"
        let onAccent = (try? Color(hex: colorAccent)).map { $0.bestTextColor.hex } ?? "#ffffff"
        return """
            :root {
              --brand-primary: \(colorPrimary);
              --brand-on-primary: \(onPrimary);
              --brand-secondary: \(colorSecondary);
              --brand-accent: \(colorAccent);
              --brand-on-accent: \(onAccent);
              --brand-background: \(colorBackground);
              --brand-text: \(colorText);
            }

            """
    }
}
