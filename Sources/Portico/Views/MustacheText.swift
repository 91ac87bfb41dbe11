import Foundation
import Mustache

/// Empty text counts as "nothing" in templates, as in most Mustache implementations:
/// `{{#footerText}}…{{/footerText}}` renders nothing and `{{^notes}}—{{/notes}}` shows the dash
/// when the text is empty. swift-mustache otherwise treats every string as present.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}

/// A section over a value (`{{#due}}…{{due}}…{{/due}}`) puts the value itself on the context
/// stack, and every name looked up inside is first asked of it. Scalars have no names; saying
/// so here keeps the engine from building a `Mirror` of them on each lookup.
extension String: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension Int: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension Double: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension Date: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension UUID: @retroactive MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension TenantID: MustacheParent {
    public func child(named name: String) -> Any? { nil }
}

extension TenantStatus: MustacheParent {
    public func child(named name: String) -> Any? { nil }
}
