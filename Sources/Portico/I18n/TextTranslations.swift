import Foundation
import Mustache

/// A tenant's own texts (welcome message, footer, FAQ entries, notices, category names) in its
/// offered languages other than the default, stored beside the default text as
/// `{"en": {"answer": "…"}}` in the row's `translations` column.
///
/// The default language's text stays in its own column, so exports, imports and the API are
/// unchanged. A reader sees their language's text when one is given, else the default's. The
/// page's language is always one the tenant offers (`LanguageNegotiation`), so the texts of a
/// language it stops offering stay stored (ready if it is offered again) but are never shown.
public struct TextTranslations: Sendable, Codable, Equatable {
    /// Language code → field → text; empty texts are not kept.
    public private(set) var texts: [String: [String: String]]

    public init(_ texts: [String: [String: String]] = [:]) {
        self.texts = texts.mapValues { $0.filter { !$0.value.isEmpty } }.filter { !$0.value.isEmpty }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String: [String: String]].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(texts)
    }

    public func text(_ field: String, in language: Language) -> String? {
        guard let text = texts[language.code]?[field], !text.isEmpty else { return nil }
        return text
    }

    /// What a reader of `language` (the current page's or email's) sees for `field`.
    public func localized(_ field: String, default text: String, language: Language = L10n.texts.language) -> String {
        self.text(field, in: language) ?? text
    }

    /// The same, for an optional default text (support hours).
    public func localized(_ field: String, default text: String?, language: Language = L10n.texts.language) -> String? {
        self.text(field, in: language) ?? text
    }
}

/// A field a tenant may give per language, as its form shows it.
struct TranslatableField: Sendable {
    let name: String
    /// The default field's label ("Answer"); each language's input says "Answer — English".
    let label: String
    /// The label's catalog key, on pages whose texts come from the catalog.
    var labelKey: String? = nil
    let limit: Int
    let multiline: Bool
}

/// One language's input for a translatable field.
@MustacheView
struct TranslationInput: Sendable {
    let name: String
    let label: String
    let lang: String
    let value: String
    let error: String?
    let multiline: Bool
    let maxLength: Int
}

extension TextTranslations {
    /// The form name of one language's input: `answer_pt-BR`.
    static func formName(_ field: String, _ language: Language) -> String { "\(field)_\(language.code)" }

    /// The languages a form asks for besides the default: the tenant's other offered ones.
    static func otherLanguages(of tenant: ResolvedTenant) -> [Language] {
        tenant.offeredLanguages.filter { $0 != tenant.defaultLanguage }
    }

    /// Reads each language's optional input; a language not asked for keeps its stored texts,
    /// and the default language's never shadows its column.
    static func parse(
        _ form: FormFields, fields: [TranslatableField], languages: [Language], defaultLanguage: Language, keeping stored: TextTranslations,
        problems: inout [String: String]
    ) -> TextTranslations {
        var texts = stored.texts
        texts[defaultLanguage.code] = nil
        for language in languages where language != defaultLanguage {
            var values: [String: String] = [:]
            for field in fields {
                let name = formName(field.name, language)
                let value = form.text(name).trimmingCharacters(in: .whitespacesAndNewlines)
                if value.count > field.limit {
                    problems[name] = L10n.atMostCharacters(field.limit, grouped: true)
                }
                values[field.name] = value
            }
            texts[language.code] = values
        }
        return TextTranslations(texts)
    }

    /// The inputs a form shows: what was typed when it comes back with errors, else what is stored.
    static func inputs(
        fields: [TranslatableField], languages: [Language], stored: TextTranslations, typed: [String: String]? = nil,
        errors: [String: String] = [:]
    ) -> [TranslationInput] {
        fields.flatMap { field in
            languages.map { language in
                let name = formName(field.name, language)
                return TranslationInput(
                    name: name,
                    label: L10n.t(
                        "console.settings.translationLabel",
                        ["field": field.labelKey.map { L10n.t($0) } ?? field.label, "language": language.nativeName]),
                    lang: language.code,
                    value: typed.map { $0[name] ?? "" } ?? stored.text(field.name, in: language) ?? "", error: errors[name],
                    multiline: field.multiline, maxLength: field.limit)
            }
        }
    }
}
