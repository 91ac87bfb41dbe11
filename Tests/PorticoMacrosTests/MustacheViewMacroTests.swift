import PorticoMacros
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

@Suite("@MustacheView expansion")
struct MustacheViewMacroTests {
    let macros: [String: MacroSpec] = ["MustacheView": MacroSpec(type: MustacheViewMacro.self, conformances: ["MustacheParent"])]

    /// The `MustacheParent` witness the macro adds to `type`: one `case` a pair of a key and
    /// the expression that answers it, in declaration order.
    func witness(_ type: String, access: String = "", answers: KeyValuePairs<String, String>) -> String {
        let cases = answers.map { "        case \"\($0.key)\":\n            return \($0.value)\n" }.joined()
        return """
            extension \(type): MustacheParent {
                \(access)func child(named name: String) -> Any? {
                    switch name {
            \(cases)        default:
                        return nil
                    }
                }
            }
            """
    }

    /// Expands `@MustacheView` on `declaration`: the declaration stays as written, followed by
    /// `witness` (the extension the macro adds), if any.
    func expand(
        _ declaration: String, adds witness: String?, diagnostics: [DiagnosticSpec] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let source = "@MustacheView\n" + declaration
        let expanded = witness.map { declaration + "\n\n" + $0 } ?? declaration
        assertMacroExpansion(source, expandedSource: expanded, diagnostics: diagnostics, macroSpecs: macros) { failure in
            Issue.record(Comment(rawValue: failure.message), sourceLocation: sourceLocation)
        }
    }

    @Test("stored properties answer by name; computed and static ones stay invisible, as they are to reflection")
    func storedProperties() {
        expand(
            """
            struct CardView {
                let title: String
                var notice: String?
                static let limit = 5
                var shout: String { title.uppercased() }
                var count = 0 { didSet {} }
            }
            """,
            adds: witness("CardView", answers: ["title": "self.title", "notice": "self.notice", "count": "self.count"]))
    }

    @Test("a public view gets a public witness; a backquoted name answers without its quotes")
    func publicView() {
        expand(
            """
            public struct Row {
                public let `default`: Bool
            }
            """,
            adds: witness("Row", access: "public ", answers: ["default": "self.`default`"]))
    }

    @Test("a property called `name` answers itself, not the name being looked up")
    func propertyCalledName() {
        // child(named name:) has a parameter called `name`; a bare `return name` would answer
        // every `{{name}}` with the word "name".
        expand(
            """
            struct StaffRow {
                let name: String
            }
            """,
            adds: witness("StaffRow", answers: ["name": "self.name"]))
    }

    @Test("an enum is refused with a message that says what the macro applies to")
    func refusesEnums() {
        expand(
            """
            enum Status {
                case open
            }
            """, adds: nil, diagnostics: [DiagnosticSpec(message: "@MustacheView applies to a struct or a class", line: 1, column: 1)])
    }
}
