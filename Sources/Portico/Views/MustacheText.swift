import Mustache

/// Empty text counts as "nothing" in templates, as in most Mustache implementations:
/// `{{#footerText}}…{{/footerText}}` renders nothing and `{{^notes}}—{{/notes}}` shows the dash
/// when the text is empty. swift-mustache otherwise treats every string as present.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}
