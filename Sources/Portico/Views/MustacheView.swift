import Mustache

/// Makes a view model readable by templates without reflection: the macro conforms the type to
/// swift-mustache's `MustacheParent`, answering each `{{name}}` from a `switch` over the type's
/// stored properties (what the library would otherwise find through `Mirror` on every lookup).
@attached(extension, conformances: MustacheParent, names: named(child(named:)))
public macro MustacheView() = #externalMacro(module: "PorticoMacros", type: "MustacheViewMacro")
