import Foundation
import Hummingbird
import Mustache
import Synchronization

/// Renders pages with the tenant's theme. Values reach templates through `{{ }}`, which
/// escapes HTML; templates never put user text into `{{{ }}}`.
///
/// View models are read without reflection: each conforms to `MustacheParent` through
/// `@MustacheView`, and `auditsViews` (on in tests) refuses to render one that would not.
public struct PageRenderer: Sendable {
    public let themes: ThemeLibrary
    /// The message catalogs: every template reads `{{t.…}}` in the request's language.
    public let catalogs: MessageCatalogs
    /// Checks each view for values templates would read by reflection and fails the render if
    /// it finds any (`ViewModelAudit`). Tests turn it on; it costs reflection itself.
    public var auditsViews = false
    /// Per theme and language, the theme's templates with the catalog's plain `{{t.key}}` texts
    /// written in, built on first use.
    private let localized = LocalizedLibraries()

    public init(themes: ThemeLibrary, catalogs: MessageCatalogs, auditsViews: Bool = false) {
        self.themes = themes
        self.catalogs = catalogs
        self.auditsViews = auditsViews
        L10n.fallback.withLock { $0 = catalogs.texts(.en) }
    }

    /// The texts a render uses: the request's (or email's) language, else English.
    public var texts: Texts { Texts.current ?? catalogs.texts(.en) }

    public func render(_ template: TemplateName, theme: String = "default", _ view: Any, status: HTTPResponse.Status = .ok) throws -> HTML {
        try audit(view, template)
        let texts = texts
        guard let text = library(theme, texts).render(Page(t: texts, view: view), withTemplate: template.path) else {
            throw RenderError(template: template.path)
        }
        return HTML(text, status: status)
    }

    /// Renders an email or text template; nil when the theme has no such template.
    public func renderText(_ template: TemplateName, theme: String, _ view: Any) throws -> String? {
        try audit(view, template)
        let texts = texts
        return library(theme, texts).render(Page(t: texts, view: view), withTemplate: template.path)
    }

    /// The theme's library with `texts` written in when they are one of this renderer's
    /// catalogs; otherwise (texts built elsewhere) the plain library, which looks each up.
    private func library(_ theme: String, _ texts: Texts) -> MustacheLibrary {
        guard let catalog = catalogs.catalogs[texts.language], catalog.identity === texts.catalog.identity else {
            return themes.library(for: theme)
        }
        return localized.library(theme: theme, catalog: catalog, themes: themes)
    }

    /// What a template renders: its view, with the texts beside it as `t`. Names other than
    /// `t` are the view's (views are `MustacheParent`, checked by the audit).
    struct Page: MustacheParent {
        let t: Texts
        /// The view, cast once here rather than on every name a template looks up.
        let view: (any MustacheParent)?

        init(t: Texts, view: Any) {
            self.t = t
            self.view = view as? any MustacheParent
        }

        func child(named name: String) -> Any? {
            name == "t" ? t : view?.child(named: name)
        }
    }

    /// Libraries with a catalog's texts written in, one per theme and language.
    final class LocalizedLibraries: Sendable {
        private let libraries = Mutex<[String: MustacheLibrary]>([:])

        func library(theme: String, catalog: MessageCatalog, themes: ThemeLibrary) -> MustacheLibrary {
            let key = "\(catalog.language.code)/\(theme)"
            return libraries.withLock { libraries in
                if let library = libraries[key] { return library }
                let escape = try? MustacheTemplate(string: "{{text}}")
                let library = themes.localizedLibrary(for: theme) { key in
                    guard let text = Self.text(key, in: catalog) else { return nil }
                    // Escaped by the engine itself, as `{{t.key}}` would have been.
                    return escape?.render(["text": text])
                }
                libraries[key] = library
                return library
            }
        }

        /// The text `{{t.key}}` renders when it can stand in the template's source unchanged:
        /// what `Texts.child(named:)` resolves (no shorter prefix of the key is itself a text,
        /// which would end the lookup there), and nothing the parser would read differently —
        /// no braces, no line breaks (indented partials indent after each), no empty or
        /// blank text (a following section tag could then stand alone on its line).
        static func text(_ key: String, in catalog: MessageCatalog) -> String? {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false)
            guard !parts.contains(where: \.isEmpty) else { return nil }
            var prefix = ""
            for part in parts.dropLast() {
                prefix += prefix.isEmpty ? String(part) : "." + part
                if case .text = catalog.messages[prefix] { return nil }
            }
            guard case .text(let text) = catalog.messages[key] else { return nil }
            guard !text.contains(where: { $0 == "{" || $0 == "}" || $0.isNewline }),
                text.contains(where: { !$0.isWhitespace })
            else { return nil }
            return text
        }
    }

    private func audit(_ view: Any, _ template: TemplateName) throws {
        guard auditsViews else { return }
        let reflected = ViewModelAudit.reflectedTypes(in: view)
        if !reflected.isEmpty {
            throw RenderError(template: template.path, reason: "reads by reflection (add @MustacheView): \(reflected.joined(separator: ", "))")
        }
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let template: String
    public var reason: String?

    public init(template: String, reason: String? = nil) {
        self.template = template
        self.reason = reason
    }

    public var description: String { reason.map { "\(template) \($0)" } ?? "No template named \(template)" }
}
