import Foundation

/// The texts of one language: `Locales/<code>.json`, a flat object of keys named by surface
/// (`portal.dashboard.title`). A value is a string, or for counted texts an object of CLDR
/// plural categories (`{"one": "{count} task", "other": "{count} tasks"}`). Placeholders are
/// named: `{name}`.
public struct MessageCatalog: Sendable {
    public enum Message: Sendable, Equatable {
        case text(String)
        case plural([PluralCategory: String])
    }

    public let language: Language
    public let messages: [String: Message]
    /// The same for every copy of this catalog and different for any other catalog, even one
    /// of the same language: what lets the renderer use templates with this catalog's texts
    /// written in (`PageRenderer`) only for the catalog they were written from.
    let identity = Identity()

    final class Identity: Sendable {}

    public init(language: Language, messages: [String: Message]) {
        self.language = language
        self.messages = messages
    }

    /// Reads and checks one catalog file; a malformed one refuses to start, like a template that
    /// does not parse.
    public init(language: Language, data: Data, file: String) throws {
        func refuse(_ problem: String) -> ConfigurationError {
            ConfigurationError(variable: "PORTICO_HOME", message: "holds a message catalog that does not load: Locales/\(file): \(problem)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw refuse("not a JSON object")
        }
        var messages: [String: Message] = [:]
        for (key, value) in object {
            if let text = value as? String {
                messages[key] = .text(text)
            } else if let forms = value as? [String: Any] {
                var plural: [PluralCategory: String] = [:]
                for (category, text) in forms {
                    guard let category = PluralCategory(rawValue: category), let text = text as? String else {
                        throw refuse("\(key): plural forms are strings named zero, one, two, few, many or other")
                    }
                    plural[category] = text
                }
                guard language.pluralCategories.isSubset(of: Set(plural.keys)) else {
                    throw refuse("\(key): needs the plural forms \(language.pluralCategories.map(\.rawValue).sorted().joined(separator: ", "))")
                }
                messages[key] = .plural(plural)
            } else {
                throw refuse("\(key): a text is a string or an object of plural forms")
            }
        }
        self.init(language: language, messages: messages)
    }

    /// The named placeholders of a text: `{name}` → `name`.
    public static func placeholders(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    public func placeholders(of key: String) -> Set<String> {
        switch messages[key] {
        case .text(let text): Self.placeholders(in: text)
        case .plural(let forms): forms.values.reduce(into: Set<String>()) { $0.formUnion(Self.placeholders(in: $1)) }
        case nil: []
        }
    }
}

/// Every shipped catalog, loaded once at start. Each language must have its file, and every
/// catalog the keys of English (the reference), so a page never falls back mid-sentence.
public struct MessageCatalogs: Sendable {
    public let catalogs: [Language: MessageCatalog]

    public init(catalogs: [Language: MessageCatalog]) {
        self.catalogs = catalogs
    }

    public init(directory: URL) throws {
        var catalogs: [Language: MessageCatalog] = [:]
        for language in Language.allCases {
            let file = "\(language.code).json"
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else {
                throw ConfigurationError(variable: "PORTICO_HOME", message: "leads to a Locales/ folder without \(file)")
            }
            catalogs[language] = try MessageCatalog(language: language, data: data, file: file)
        }
        let reference = catalogs[.en]!
        for (language, catalog) in catalogs where language != .en {
            let missing = Set(reference.messages.keys).subtracting(catalog.messages.keys)
            guard missing.isEmpty else {
                throw ConfigurationError(
                    variable: "PORTICO_HOME",
                    message: "holds Locales/\(language.code).json without \(missing.sorted().prefix(5).joined(separator: ", "))")
            }
        }
        self.init(catalogs: catalogs)
    }

    public func texts(_ language: Language) -> Texts {
        Texts(catalog: catalogs[language] ?? catalogs[.en]!)
    }
}
