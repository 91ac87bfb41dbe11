import Foundation

/// The colour pairs a portal actually draws, each held to WCAG 2.1 AA: 4.5:1 for text,
/// 3:1 for non-text marks such as progress bars (1.4.11).
struct BrandingContrast {
    struct Problem: Equatable {
        /// The form field to fix (it gets the message).
        let field: String
        let message: String
    }

    struct Pair {
        let field: String
        let what: String
        let foreground: Color
        let background: Color
        let minimum: Double
        let advice: String
    }

    static let nonTextMinimum = 3.0

    /// Every pair the default theme draws with these colours.
    static func pairs(_ branding: Branding) throws -> [Pair] {
        let primary = try Color(hex: branding.colorPrimary)
        let secondary = try Color(hex: branding.colorSecondary)
        let accent = try Color(hex: branding.colorAccent)
        let background = try Color(hex: branding.colorBackground)
        let text = try Color(hex: branding.colorText)
        return [
            Pair(
                field: "color_text", what: "Body text on the page background", foreground: text, background: background,
                minimum: Color.minimumTextContrast, advice: "Darken the text colour or lighten the background (or the reverse)."),
            Pair(
                field: "color_primary", what: "Links and outlined buttons (primary colour) on the page background", foreground: primary,
                background: background, minimum: Color.minimumTextContrast, advice: "Choose a darker primary colour on a light background."),
            Pair(
                field: "color_primary", what: "Header and button text on the primary colour", foreground: primary.bestTextColor,
                background: primary, minimum: Color.minimumTextContrast,
                advice: "Mid-tones read badly in both black and white: make the primary colour clearly darker or lighter."),
            Pair(
                field: "color_secondary", what: "Secondary text on the page background", foreground: secondary, background: background,
                minimum: Color.minimumTextContrast, advice: "Choose a darker secondary colour on a light background."),
            Pair(
                field: "color_accent", what: "Progress bars and highlights (accent colour) against the page background", foreground: accent,
                background: background, minimum: nonTextMinimum, advice: "Choose an accent colour that stands out more from the background."),
            Pair(
                field: "color_accent", what: "Text on the accent colour", foreground: accent.bestTextColor, background: accent,
                minimum: Color.minimumTextContrast, advice: "Make the accent colour clearly darker or lighter."),
        ]
    }

    /// Illegible pairs, first problem per field. Unparseable colours are reported by the form
    /// validation, not here.
    static func problems(_ branding: Branding) -> [Problem] {
        guard let pairs = try? pairs(branding) else { return [] }
        var seen = Set<String>()
        var problems: [Problem] = []
        for pair in pairs {
            let ratio = pair.foreground.contrast(with: pair.background)
            guard ratio < pair.minimum, !seen.contains(pair.field) else { continue }
            seen.insert(pair.field)
            problems.append(
                Problem(
                    field: pair.field,
                    message: "\(pair.what): \(pair.foreground.hex) on \(pair.background.hex) has a contrast of "
                        + "\(format(ratio)):1; WCAG AA needs at least \(format(pair.minimum)):1. \(pair.advice)"))
        }
        return problems
    }

    static func format(_ ratio: Double) -> String {
        String(format: "%.1f", (ratio * 10).rounded(.down) / 10)
    }
}
