import Foundation
import Mustache
import Testing

@testable import Portico

/// The compiled templates (`CompiledLibrary`, issue 15) must render what swift-mustache renders,
/// byte for byte: every template of every theme in every language, with views that answer
/// nothing and views that answer every name, and small templates for the rules the themes lean
/// on (standalone lines, indented partials, inheritance, escaping, content types).
@Suite("Compiled templates render what swift-mustache renders")
struct CompiledTemplatesTests {
    struct NoView: MustacheParent {
        func child(named name: String) -> Any? { nil }
    }

    /// Answers every name, with a value chosen by the name: text to escape, a list, true, a
    /// number, a nested view, or nothing, so sections open and lists repeat (to a small depth).
    struct EveryView: MustacheParent {
        let depth: Int

        func child(named name: String) -> Any? {
            let choice = (name.utf8.reduce(depth) { $0 &+ Int($1) }) % 7
            switch choice {
            case 0: return "Tom & \"Jerry\" <b>’s 'café' \(name)"
            case 1: return depth < 3 ? [EveryView(depth: depth + 1), EveryView(depth: depth + 2)] : [EveryView]()
            case 2: return depth % 2 == 0
            case 3: return 42 + depth
            case 4: return depth < 4 ? EveryView(depth: depth + 1) : nil
            case 5: return ""
            default: return nil
            }
        }
    }

    @Test("every template of every theme, in every language, renders the same bytes")
    func everyTemplate() throws {
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        let catalogs = try MessageCatalogs(directory: try ResourceLocator.directory(named: "Locales"))
        let renderer = PageRenderer(themes: themes, catalogs: catalogs)
        var compared = 0
        for language in Language.allCases {
            let texts = catalogs.texts(language)
            for theme in themes.themeNames {
                let libraries = renderer.libraries(theme, texts)
                #expect(libraries.compiled.unsupported.isEmpty, "\(language.code) \(theme): \(libraries.compiled.unsupported)")
                for name in TemplateName.all {
                    for view in [NoView() as any MustacheParent, EveryView(depth: 0), EveryView(depth: 1)] {
                        let page = PageRenderer.Page(t: texts, view: view)
                        let compiled = libraries.compiled.render(page, withTemplate: name.path)
                        let expected = libraries.mustache.render(page, withTemplate: name.path)
                        #expect(compiled != nil, "\(language.code) \(theme) \(name.path) did not compile")
                        if let compiled, compiled != expected {
                            Issue.record("\(language.code) \(theme) \(name.path) \(view): \(PageRenderer.difference(compiled, expected ?? ""))")
                        }
                        compared += 1
                    }
                }
            }
        }
        #expect(compared >= 3 * 4 * TemplateName.all.count)
    }

    @Test("the renderer compares both renders when it audits views")
    func comparesWhenAuditing() throws {
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        let catalogs = try MessageCatalogs(directory: try ResourceLocator.directory(named: "Locales"))
        #expect(PageRenderer(themes: themes, catalogs: catalogs, auditsViews: true).comparesRenderers)
        #expect(!PageRenderer(themes: themes, catalogs: catalogs).comparesRenderers)
    }

    static let templates: [String: String] = [
        "page": """
        <html>
          {{> header}}
          <ul>
            {{#items}}
            <li>{{name}} {{.}}{{#tags}} [{{.}}]{{/tags}}</li>
            {{/items}}
            {{^items}}
            <li>none</li>
            {{/items}}
          </ul>
        \t{{>list}}
        {{#user}}{{name}} in {{city.name}} {{.name}} {{outer}}{{/user}}
        {{^empty(items)}}some{{/empty(items)}}{{#empty(none)}}no{{/empty(none)}}
        {{#empty}}empty text is falsy{{/empty}}{{^empty}}shown{{/empty}}
        {{{raw}}} {{&raw}} {{raw}} {{missing}} {{user.missing.deeper}} {{count}} {{flag}} {{ratio}}
        {{%CONTENT_TYPE:TEXT}}
        {{raw}}
        </html>

        """,
        "header": """
        <header>
          {{> title}}
        {{#flag}}
          <p>flagged {{raw}}</p>
        {{/flag}}
        </header>

        """,
        "title": "<h1>{{title}}</h1>\n<h2>{{title}}</h2>\n",
        "list": "{{#items}}\n- {{name}}\n{{/items}}\n",
        "layout": """
        <main>
          {{$body}}default body{{/body}}
          {{$side}}
            default side
          {{/side}}
        </main>

        """,
        "child": """
        {{<layout}}
        {{$body}}
        <p>{{title}}</p>
          {{> title}}
        {{/body}}
        {{/layout}}

        """,
        "grandchild": """
        {{<child}}
        {{$side}}own side {{raw}}{{/side}}
        {{/child}}
        """,
        "crlf": "a\r\n  {{> title}}\r\nb {{#flag}}\r\nyes\r\n{{/flag}}\r\n",
        "combining": "{{combining}}|{{raw}}",
    ]

    static var view: [String: Any] {
        [
            "title": "Tom & Jerry's <show>",
            "raw": "<b>\"quoted\" & 'single'</b>",
            "combining": "e\u{301} <\u{338} \"\u{301} &\u{20DD} \u{600}< plain",
            "items": [
                ["name": "one", "tags": ["a", "b<"]] as [String: Any],
                ["name": "two", "tags": [String]()] as [String: Any],
            ],
            "none": [String](),
            "empty": "",
            "user": ["name": "Ana", "city": ["name": "Lisboa"]] as [String: Any],
            "outer": "outer value",
            "count": 7,
            "flag": true,
            "ratio": 0.5,
        ]
    }

    @Test("standalone lines, indented partials, inheritance, escaping and content types render the same bytes")
    func semantics() throws {
        let library = MustacheLibrary(templates: try Self.templates.mapValues { try MustacheTemplate(string: $0) })
        let compiled = CompiledLibrary(library)
        #expect(compiled.unsupported.isEmpty, "\(compiled.unsupported)")
        for name in Self.templates.keys.sorted() {
            for view in [Self.view, [:]] {
                let expected = library.render(view, withTemplate: name)
                let rendered = compiled.render(view, withTemplate: name)
                #expect(rendered != nil, "\(name) did not compile")
                if let rendered, rendered != expected {
                    Issue.record("\(name): \(PageRenderer.difference(rendered, expected ?? ""))")
                }
            }
        }
        #expect(compiled.render(Self.view, withTemplate: "nothing") == nil)
    }

    @Test("a template using what is not compiled is left to swift-mustache, naming it")
    func unsupported() throws {
        let library = MustacheLibrary(templates: [
            "sequence": try MustacheTemplate(string: "{{#items}}{{#first()}}first{{/first()}}{{/items}}"),
            "user": try MustacheTemplate(string: "{{> sequence}}"),
            "plain": try MustacheTemplate(string: "{{title}}"),
        ])
        let compiled = CompiledLibrary(library)
        #expect(compiled.render(["items": [1, 2]], withTemplate: "sequence") == nil)
        #expect(compiled.render(["items": [1, 2]], withTemplate: "user") == nil)
        #expect(compiled.render(["title": "x"], withTemplate: "plain") == "x")
        #expect(Set(compiled.unsupported.map(\.template)) == ["sequence", "user"])
    }
}
