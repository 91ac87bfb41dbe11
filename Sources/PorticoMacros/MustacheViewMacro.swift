import SwiftCompilerPlugin
import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@MustacheView` on a struct or class: an extension that conforms it to swift-mustache's
/// `MustacheParent` with a `child(named:)` that switches over the type's stored properties.
///
/// It mirrors what the library's reflection fallback would find, so templates render the same:
/// stored properties only (computed ones are invisible to `Mirror` too), each under its own
/// name, an optional returned as itself (nil stays nil, not a boxed `Optional.none`), and any
/// other name answers nil so the lookup climbs the context stack as before.
public struct MustacheViewMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax,
        attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol,
        conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) || declaration.is(ClassDeclSyntax.self) else {
            context.diagnose(Diagnostic(node: node, message: MacroMessage.notAStructOrClass))
            return []
        }
        // Already conforming (declared by hand): nothing to add.
        if protocols.isEmpty { return [] }

        var names: [String] = []
        for member in declaration.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self) else { continue }
            if variable.modifiers.contains(where: { ["static", "class"].contains($0.name.text) }) { continue }
            if variable.modifiers.contains(where: { $0.name.text == "lazy" }) || !variable.attributes.isEmpty {
                // Reflection sees lazy and wrapped properties under mangled labels: a template could
                // not have read them by name, and a generated case would change what renders.
                context.diagnose(Diagnostic(node: variable, message: MacroMessage.unsupportedProperty))
                continue
            }
            for binding in variable.bindings where isStored(binding) {
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self) else {
                    context.diagnose(Diagnostic(node: binding.pattern, message: MacroMessage.unsupportedPattern))
                    continue
                }
                names.append(identifier.identifier.text)
            }
        }

        let isPublic = declaration.modifiers.contains { ["public", "open"].contains($0.name.text) }
        let access = isPublic ? "public " : ""
        let cases = names.map { name in
            let key = name.trimmingCharacters(in: "`")
            return "case \"\(key)\": return self.\(name)"
        }
        let body = (cases + ["default: return nil"]).joined(separator: "\n")
        let extensionDecl = try ExtensionDeclSyntax(
            """
            extension \(type.trimmed): MustacheParent {
                \(raw: access)func child(named name: String) -> Any? {
                    switch name {
                    \(raw: body)
                    }
                }
            }
            """)
        return [extensionDecl]
    }

    /// A binding without accessors, or with only observers, has storage.
    private static func isStored(_ binding: PatternBindingSyntax) -> Bool {
        guard let accessors = binding.accessorBlock else { return true }
        switch accessors.accessors {
        case .getter:
            return false
        case .accessors(let list):
            return list.allSatisfy { ["willSet", "didSet"].contains($0.accessorSpecifier.text) }
        }
    }
}

private extension String {
    func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}

enum MacroMessage: String, DiagnosticMessage {
    case notAStructOrClass
    case unsupportedProperty
    case unsupportedPattern

    var message: String {
        switch self {
        case .notAStructOrClass: "@MustacheView applies to a struct or a class"
        case .unsupportedProperty: "@MustacheView cannot expose a lazy or property-wrapped property; store the value plainly"
        case .unsupportedPattern: "@MustacheView needs one name per stored property (no tuple patterns)"
        }
    }

    var diagnosticID: MessageID { MessageID(domain: "PorticoMacros", id: rawValue) }
    var severity: DiagnosticSeverity { .error }
}

@main
struct PorticoMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [MustacheViewMacro.self]
}
