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
    /// Renders each page with swift-mustache as well and fails the render unless the compiled
    /// templates (`CompiledLibrary`) wrote the same bytes. On with `auditsViews` (in tests).
    public var comparesRenderers = false
    /// Renders with the compiled templates (`CompiledLibrary`); off, swift-mustache renders
    /// every page as before.
    public var rendersCompiledTemplates = true
    /// Per theme and language, the theme's templates with the catalog's plain `{{t.key}}` texts
    /// written in, built on first use.
    private let localized = LocalizedLibraries()

    public init(themes: ThemeLibrary, catalogs: MessageCatalogs, auditsViews: Bool = false) {
        self.themes = themes
        self.catalogs = catalogs
        self.auditsViews = auditsViews
        self.comparesRenderers = auditsViews
        L10n.fallback.withLock { $0 = catalogs.texts(.en) }
    }

    /// The texts a render uses: the request's (or email's) language, else English.
    public var texts: Texts { Texts.current ?? catalogs.texts(.en) }

    public func render(_ template: TemplateName, theme: String = "default", _ view: Any, status: HTTPResponse.Status = .ok) throws -> HTML {
        try audit(view, template)
        guard let text = try render(template, theme: theme, page: Page(t: texts, view: view)) else {
            throw RenderError(template: template.path)
        }
        return HTML(text, status: status)
    }

    /// Renders an email or text template; nil when the theme has no such template.
    public func renderText(_ template: TemplateName, theme: String, _ view: Any) throws -> String? {
        try audit(view, template)
        return try render(template, theme: theme, page: Page(t: texts, view: view))
    }

    /// Renders with the compiled templates; a template they do not compile is rendered by
    /// swift-mustache. With `comparesRenderers`, both render and must agree byte for byte.
    private func render(_ template: TemplateName, theme: String, page: Page) throws -> String? {
        let libraries = self.libraries(theme, page.t)
        guard rendersCompiledTemplates, let compiled = libraries.compiled.render(page, withTemplate: template.path) else {
            return libraries.mustache.render(page, withTemplate: template.path)
        }
        if comparesRenderers {
            let expected = libraries.mustache.render(page, withTemplate: template.path)
            if compiled != expected {
                throw RenderError(template: template.path, reason: Self.difference(compiled, expected ?? ""))
            }
        }
        return compiled
    }

    /// Where two renders part, for the differential check's failure.
    static func difference(_ compiled: String, _ expected: String) -> String {
        let a = Array(compiled.utf8)
        let b = Array(expected.utf8)
        var index = 0
        while index < a.count && index < b.count && a[index] == b[index] { index += 1 }
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, index - 80)..<min(bytes.count, index + 80)], as: UTF8.self).debugDescription
        }
        return
            "renders differently from swift-mustache at byte \(index) (\(a.count) vs \(b.count) bytes): compiled \(around(a)), swift-mustache \(around(b))"
    }

    /// The theme's libraries with `texts` written in when they are one of this renderer's
    /// catalogs; otherwise (texts built elsewhere) the plain library, which looks each up.
    func libraries(_ theme: String, _ texts: Texts) -> Libraries {
        guard let catalog = catalogs.catalogs[texts.language], catalog.identity === texts.catalog.identity else {
            return localized.plain(theme: theme, themes: themes)
        }
        return localized.library(theme: theme, catalog: catalog, themes: themes)
    }

    /// A theme's swift-mustache library and the same templates compiled.
    struct Libraries: Sendable {
        let mustache: MustacheLibrary
        let compiled: CompiledLibrary

        init(_ mustache: MustacheLibrary) {
            self.mustache = mustache
            self.compiled = CompiledLibrary(mustache)
        }
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
        private let libraries = Mutex<[String: Libraries]>([:])

        /// The theme's templates as written, compiled on first use.
        func plain(theme: String, themes: ThemeLibrary) -> Libraries {
            let key = "plain/\(theme)"
            return libraries.withLock { libraries in
                if let library = libraries[key] { return library }
                let library = Libraries(themes.library(for: theme))
                libraries[key] = library
                return library
            }
        }

        func library(theme: String, catalog: MessageCatalog, themes: ThemeLibrary) -> Libraries {
            let key = "\(catalog.language.code)/\(theme)"
            return libraries.withLock { libraries in
                if let library = libraries[key] { return library }
                let escape = try? MustacheTemplate(string: "{{text}}")
                let library = themes.localizedLibrary(for: theme) { key in
                    guard let text = Self.text(key, in: catalog) else { return nil }
                    // Escaped by the engine itself, as `{{t.key}}` would have been.
                    return escape?.render(["text": text])
                }
                let compiled = Libraries(library)
                libraries[key] = compiled
                return compiled
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
