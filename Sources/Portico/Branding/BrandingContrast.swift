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
        /// The pair's catalog name (`console.branding.pair.<id>.what` and `.advice`).
        let id: String
        let foreground: Color
        let background: Color
        let minimum: Double

        /// "Body text on the page background", in the reader's language.
        var what: String { L10n.t("console.branding.pair.\(id).what") }
        /// What to change, in the reader's language.
        var advice: String { L10n.t("console.branding.pair.\(id).advice") }
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
                field: "color_text", id: "text", foreground: text, background: background, minimum: Color.minimumTextContrast),
            Pair(
                field: "color_primary", id: "primary", foreground: primary, background: background, minimum: Color.minimumTextContrast),
            Pair(
                field: "color_primary", id: "onPrimary", foreground: primary.bestTextColor, background: primary,
                minimum: Color.minimumTextContrast),
            Pair(
                field: "color_secondary", id: "secondary", foreground: secondary, background: background, minimum: Color.minimumTextContrast),
            Pair(
                field: "color_accent", id: "accent", foreground: accent, background: background, minimum: nonTextMinimum),
            Pair(
                field: "color_accent", id: "onAccent", foreground: accent.bestTextColor, background: accent, minimum: Color.minimumTextContrast),
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
                    message: L10n.t(
                        "console.branding.contrastProblem",
                        [
                            "what": pair.what, "foreground": pair.foreground.hex, "background": pair.background.hex, "ratio": format(ratio),
                            "minimum": format(pair.minimum), "advice": pair.advice,
                        ])))
        }
        return problems
    }

    static func format(_ ratio: Double) -> String {
        String(format: "%.1f", (ratio * 10).rounded(.down) / 10)
    }
}
