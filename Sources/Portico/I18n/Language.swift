import Foundation

/// A language Portico ships a message catalog for (`Locales/<code>.json`).
///
/// Adding one: a catalog file, a case here, its plural rule in `pluralCategory(for:)`
/// (README, "Languages").
public enum Language: String, CaseIterable, Sendable, Codable {
    case en
    case es
    case ptBR = "pt-BR"
    case fr

    /// The BCP 47 tag, as in `<html lang>`, `Content-Language` and the catalog's file name.
    public var code: String { rawValue }

    /// What the language switcher shows: each language in its own words.
    public var nativeName: String {
        switch self {
        case .en: "English"
        case .es: "Español"
        case .ptBR: "Português (Brasil)"
        case .fr: "Français"
        }
    }

    /// The Foundation locale for dates, numbers and lists.
    public var locale: Locale { Locale(identifier: rawValue) }

    /// `Language(code:)` accepts any case (`pt-br`, `PT-BR`), as HTTP and cookies may send it.
    public init?(code: String) {
        guard let match = Language.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(code) == .orderedSame }) else { return nil }
        self = match
    }

    /// The CLDR plural category of an integer count. Only the categories integers reach:
    /// English and Spanish say "one" for 1 alone; French and Brazilian Portuguese for 0 and 1
    /// (CLDR: `i = 0,1`). (es, fr and pt also have "many" for compact millions, which counts
    /// of work orders and tasks never use.)
    public func pluralCategory(for count: Int) -> PluralCategory {
        switch self {
        case .en, .es: count == 1 ? .one : .other
        case .ptBR, .fr: count == 0 || count == 1 ? .one : .other
        }
    }

    /// The categories a plural message must give in this language.
    public var pluralCategories: Set<PluralCategory> { [.one, .other] }
}

public enum PluralCategory: String, Sendable, CaseIterable, Codable {
    case zero, one, two, few, many, other
}
