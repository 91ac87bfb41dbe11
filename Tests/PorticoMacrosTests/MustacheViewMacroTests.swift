import PorticoMacros
import SwiftSyntaxMacroExpansion
import SwiftSyntaxMacrosGenericTestSupport
import Testing

@Suite("@MustacheView expansion")
struct MustacheViewMacroTests {
    let macros: [String: MacroSpec] = ["MustacheView": MacroSpec(type: MustacheViewMacro.self, conformances: ["MustacheParent"])]

    func expand(
        _ source: String, _ expanded: String, diagnostics: [DiagnosticSpec] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        assertMacroExpansion(source, expandedSource: expanded, diagnostics: diagnostics, macroSpecs: macros) { failure in
            Issue.record(Comment(rawValue: failure.message), sourceLocation: sourceLocation)
        }
    }

    @Test("stored properties answer by name; computed and static ones stay invisible, as they are to reflection")
    func storedProperties() {
        expand(
            """
            @MustacheView
            struct CardView {
                let title: String
                var notice: String?
                static let limit = 5
                var shout: String { title.uppercased() }
                var count = 0 { didSet {} }
            }
            """,
            """
            struct CardView {
                let title: String
                var notice: String?
                static let limit = 5
                var shout: String { title.uppercased() }
                var count = 0 { didSet {} }
            }

            extension CardView: MustacheParent {
                func child(named name: String) -> Any? {
                    switch name {
                    case "title":
                        return self.title
                    case "notice":
                        return self.notice
                    case "count":
                        return self.count
                    default:
                        return nil
                    }
                }
            }
            """)
    }

    @Test("a public view gets a public witness; a backquoted name answers without its quotes")
    func publicView() {
        expand(
            """
            @MustacheView
            public struct Row {
                public let `default`: Bool
            }
            """,
            """
            public struct Row {
                public let `default`: Bool
            }

            extension Row: MustacheParent {
                public func child(named name: String) -> Any? {
                    switch name {
                    case "default":
                        return self.`default`
                    default:
                        return nil
                    }
                }
            }
            """)
    }

    @Test("a property called `name` answers itself, not the name being looked up")
    func propertyCalledName() {
        // child(named name:) has a parameter called `name`; a bare `return name` would answer
        // every `{{name}}` with the word "name".
        expand(
            """
            @MustacheView
            struct StaffRow {
                let name: String
            }
            """,
            """
            struct StaffRow {
                let name: String
            }

            extension StaffRow: MustacheParent {
                func child(named name: String) -> Any? {
                    switch name {
                    case "name":
                        return self.name
                    default:
                        return nil
                    }
                }
            }
            """)
    }

    @Test("an enum is refused with a message that says what the macro applies to")
    func refusesEnums() {
        expand(
            """
            @MustacheView
            enum Status {
                case open
            }
            """,
            """
            enum Status {
                case open
            }
            """, diagnostics: [DiagnosticSpec(message: "@MustacheView applies to a struct or a class", line: 1, column: 1)])
    }
}
