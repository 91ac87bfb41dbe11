import Foundation
import Mustache
import Synchronization

/// One language's texts as code and templates read them.
///
/// Templates: `{{t.portal.dashboard.title}}` — the renderer puts `t` beside every view, so a
/// theme's own template gets it too. Texts with placeholders or counts are formatted in Swift
/// (`texts("key", ["name": …])`, `texts.plural("key", count:)`) into the view model.
///
/// The request's texts travel as a task local (`Texts.current`), set once per request by
/// `LanguageMiddleware` and per email by the mailer, so the many handlers that build titles
/// and notices need no extra parameter.
public struct Texts: Sendable, MustacheParent {
    @TaskLocal public static var current: Texts?

    public let catalog: MessageCatalog

    public init(catalog: MessageCatalog) {
        self.catalog = catalog
    }

    public var language: Language { catalog.language }
    public var locale: Locale { catalog.language.locale }

    /// The text for a key with its placeholders filled; the key itself when the catalog lacks
    /// it (the completeness tests keep that from shipping).
    public func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        switch catalog.messages[key] {
        case .text(let text): Self.fill(text, values)
        case .plural(let forms): Self.fill(forms[.other] ?? key, values)
        case nil: key
        }
    }

    public func has(_ key: String) -> Bool { catalog.messages[key] != nil }

    /// A counted text: the form of the count's CLDR category, `{count}` written with the
    /// locale's digits and grouping.
    public func plural(_ key: String, count: Int, _ values: [String: String] = [:]) -> String {
        guard case .plural(let forms) = catalog.messages[key] else { return callAsFunction(key, values) }
        let form = forms[language.pluralCategory(for: count)] ?? forms[.other] ?? key
        var values = values
        values["count"] = count.formatted(.number.locale(locale))
        return Self.fill(form, values)
    }

    /// `a, b and c` / `a, b y c` / `a, b e c` / `a, b et c`.
    public func list(_ items: [String]) -> String {
        items.formatted(.list(type: .and).locale(locale))
    }

    /// `{name}` → its value, in one pass over the text (a Foundation replacement per value
    /// showed in page profiles); a placeholder without a value stays as written, and a value's
    /// own braces are never read as placeholders.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        guard !values.isEmpty, text.contains("{") else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(where: { $0 == "}" || $0 == "{" }), rest[close] == "}",
                let value = values[String(rest[afterOpen..<close])]
            else {
                result.append("{")
                rest = rest[afterOpen...]
                continue
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    /// `t.portal` answers a node for the prefix `portal`, `t.portal.dashboard.title` the text.
    public func child(named name: String) -> Any? { Node(catalog: catalog, prefix: name).resolved }

    struct Node: MustacheParent {
        let catalog: MessageCatalog
        let prefix: String

        var resolved: Any? {
            if case .text(let text) = catalog.messages[prefix] { return text }
            return self
        }

        func child(named name: String) -> Any? { Node(catalog: catalog, prefix: prefix + "." + name).resolved }
    }
}

/// The texts of the current request or email; English when none was set (the operator console
/// and the CLI, which are not translated).
public enum L10n {
    /// English, set when the catalogs load at start (`PageRenderer.init`), for code that runs
    /// outside a request's language (background jobs, error pages of unresolved hosts).
    static let fallback = Mutex<Texts?>(nil)

    public static var texts: Texts {
        Texts.current ?? fallback.withLock { $0 } ?? installedEnglish ?? Texts(catalog: MessageCatalog(language: .en, messages: [:]))
    }

    /// For code that runs before any renderer exists (unit tests of labels): the installed
    /// catalogs, read once.
    private static let installedEnglish: Texts? = {
        guard let directory = try? ResourceLocator.directory(named: "Locales") else { return nil }
        return try? MessageCatalogs(directory: directory).texts(.en)
    }()

    public static func t(_ key: String, _ values: [String: String] = [:]) -> String { texts(key, values) }

    /// "Use at most 200 characters."; `grouped` writes the count with the locale's grouping
    /// ("2,000", "2.000"), as the messages that always did.
    public static func atMostCharacters(_ maximum: Int, grouped: Bool = false) -> String {
        let texts = texts
        return texts("validation.atMostCharacters", ["max": grouped ? maximum.formatted(.number.locale(texts.locale)) : "\(maximum)"])
    }
}
