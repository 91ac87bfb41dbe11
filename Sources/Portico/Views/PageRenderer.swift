import Foundation
import Hummingbird
import Mustache

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
        guard let text = themes.library(for: theme).render(Page(t: texts, view: view), withTemplate: template.path) else {
            throw RenderError(template: template.path)
        }
        return HTML(text, status: status)
    }

    /// Renders an email or text template; nil when the theme has no such template.
    public func renderText(_ template: TemplateName, theme: String, _ view: Any) throws -> String? {
        try audit(view, template)
        return themes.library(for: theme).render(Page(t: texts, view: view), withTemplate: template.path)
    }

    /// What a template renders: its view, with the texts beside it as `t`. Names other than
    /// `t` are the view's (views are `MustacheParent`, checked by the audit).
    struct Page: MustacheParent {
        let t: Texts
        let view: Any

        func child(named name: String) -> Any? {
            name == "t" ? t : (view as? any MustacheParent)?.child(named: name)
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
