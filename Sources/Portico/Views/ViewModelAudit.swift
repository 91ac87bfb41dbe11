import Mustache

/// Finds the values in a view that a template would read by reflection.
///
/// swift-mustache answers `{{name}}` from each object on its context stack: through
/// `MustacheParent.child(named:)` when the object conforms, through a `Mirror` of the whole
/// object otherwise, rebuilt at every lookup. Every object that can reach that stack (the view
/// itself, a section's value, each element of a list) should therefore conform, which
/// `@MustacheView` does for view structs. The audit walks a view with `Mirror` once (it is a
/// test-time check, `PageRenderer.auditsViews`) and names each type that does not.
enum ViewModelAudit {
    static func reflectedTypes(in view: Any) -> [String] {
        var found = Set<String>()
        visit(view, found: &found, depth: 0)
        return found.sorted()
    }

    private static func visit(_ value: Any, found: inout Set<String>, depth: Int) {
        // Views are shallow trees; the bound only guards against a cycle through a class.
        guard depth < 24 else { return }
        // The catalog's texts answer every name through `MustacheParent` (`Texts.child(named:)`);
        // their insides are never read by a template.
        if value is Texts || value is FilledTexts { return }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional?, .collection?, .set?:
            for child in mirror.children { visit(child.value, found: &found, depth: depth + 1) }
        case .dictionary?:
            // Each element reflects as a (key, value) pair; templates read the value.
            for pair in mirror.children {
                if let element = Mirror(reflecting: pair.value).children.dropFirst().first {
                    visit(element.value, found: &found, depth: depth + 1)
                }
            }
        case .struct?, .class?, .enum?, .tuple?:
            if value is Bool || value is MustacheCustomRenderable && !(value is MustacheParent) && mirror.children.isEmpty { return }
            if !(value is MustacheParent) {
                found.insert(String(reflecting: type(of: value)))
            }
            for child in mirror.children { visit(child.value, found: &found, depth: depth + 1) }
        default:
            // Numbers and other leaves print through `description`; no name is looked up in them.
            return
        }
    }
}
