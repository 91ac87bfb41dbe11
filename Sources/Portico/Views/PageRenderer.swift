import Foundation
import Hummingbird
import Mustache

/// Renders pages with the tenant's theme. Values reach templates through `{{ }}`, which
/// escapes HTML; templates never put user text into `{{{ }}}`.
public struct PageRenderer: Sendable {
    public let themes: ThemeLibrary

    public init(themes: ThemeLibrary) { self.themes = themes }

    public func render(_ template: String, theme: String = "default", _ view: Any, status: HTTPResponse.Status = .ok) throws -> HTML {
        guard let text = themes.library(for: theme).render(view, withTemplate: template) else {
            throw RenderError(template: template)
        }
        return HTML(text, status: status)
    }

    /// Renders an email or text template; nil when the theme has no such template.
    public func renderText(_ template: String, theme: String, _ view: Any) -> String? {
        themes.library(for: theme).render(view, withTemplate: template)
    }
}

public struct RenderError: Error, CustomStringConvertible {
    public let template: String
    public var description: String { "No template named \(template)" }
}
