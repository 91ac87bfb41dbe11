import Foundation
import Mustache
import Testing

@testable import Portico

/// The renderer writes a catalog's plain texts into each theme's templates once per language
/// (issue 15) instead of looking each `{{t.key}}` up on every render. That must be invisible:
/// the same bytes as the lookups, for every template of every theme in every language.
@Suite("Catalog texts written into templates")
struct WrittenInTextsTests {
    struct NoView: MustacheParent {
        func child(named name: String) -> Any? { nil }
    }

    @Test("every template renders byte for byte what the per-render lookups render, in every language and theme")
    func sameBytes() throws {
        let themes = try ThemeLibrary(directory: try ResourceLocator.directory(named: "Themes"))
        let catalogs = try MessageCatalogs(directory: try ResourceLocator.directory(named: "Locales"))
        let renderer = PageRenderer(themes: themes, catalogs: catalogs)
        var compared = 0
        for language in Language.allCases {
            let shipped = catalogs.texts(language)
            // Same messages, another catalog: the renderer cannot use the written-in templates.
            let lookedUp = Texts(catalog: MessageCatalog(language: language, messages: shipped.catalog.messages))
            #expect(catalogs.catalogs[language]?.identity === shipped.catalog.identity)
            #expect(lookedUp.catalog.identity !== shipped.catalog.identity)
            for theme in themes.themeNames {
                for name in TemplateName.all {
                    let written = try Texts.$current.withValue(shipped) { try renderer.renderText(name, theme: theme, NoView()) }
                    let plain = try Texts.$current.withValue(lookedUp) { try renderer.renderText(name, theme: theme, NoView()) }
                    #expect(written == plain, "\(language.code) \(theme) \(name)")
                    compared += 1
                }
            }
        }
        #expect(compared >= 4 * TemplateName.all.count)
    }
}
