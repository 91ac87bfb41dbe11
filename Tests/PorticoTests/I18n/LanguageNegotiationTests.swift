import Foundation
import Testing

@testable import Portico

@Suite("Language negotiation and plural forms")
struct LanguageNegotiationTests {
    @Test(
        "Accept-Language picks the best offered language by quality, full tag, then primary subtag",
        arguments: [
            ("es-MX,es;q=0.9,en;q=0.8", [Language.en, .es], Language.es),
            ("en-US,en;q=0.9", [.es, .en], .en),
            ("pt-PT", [.en, .ptBR], .ptBR),
            ("pt", [.en, .ptBR], .ptBR),
            ("PT-br", [.en, .ptBR], .ptBR),
            ("fr-CA;q=0.5, es;q=0.8", [.en, .fr, .es], .es),
            ("de-DE, fr;q=0.3", [.en, .fr], .fr),
            ("en;q=0, es;q=0.1", [.en, .es], .es),
            ("*", [.fr, .en], .fr),
            ("de , it;q=0.5", [.en, .es], nil),
            ("es;q=nope, fr", [.en, .fr, .es], .fr),
            (";;,,", [.en], nil),
        ] as [(String, [Language], Language?)])
    func bestMatch(header: String, offered: [Language], expected: Language?) {
        #expect(LanguageNegotiation.bestMatch(acceptLanguage: header, offered: offered) == expected)
    }

    @Test("a stored choice wins while it is offered; otherwise Accept-Language; otherwise the tenant's default")
    func choose() {
        let offered: [Language] = [.es, .en]
        #expect(LanguageNegotiation.choose(stored: "en", acceptLanguage: "es", offered: offered, default: .es) == .en)
        #expect(LanguageNegotiation.choose(stored: "fr", acceptLanguage: "en-GB", offered: offered, default: .es) == .en)
        #expect(LanguageNegotiation.choose(stored: nil, acceptLanguage: "de", offered: offered, default: .es) == .es)
        #expect(LanguageNegotiation.choose(stored: "garbage", acceptLanguage: nil, offered: offered, default: .es) == .es)
    }

    @Test("plural categories follow CLDR: 0 is 'other' in English and Spanish, 'one' in French and Brazilian Portuguese")
    func pluralCategories() {
        #expect(Language.en.pluralCategory(for: 0) == .other)
        #expect(Language.en.pluralCategory(for: 1) == .one)
        #expect(Language.es.pluralCategory(for: 0) == .other)
        #expect(Language.es.pluralCategory(for: 2) == .other)
        #expect(Language.fr.pluralCategory(for: 0) == .one)
        #expect(Language.fr.pluralCategory(for: 1) == .one)
        #expect(Language.fr.pluralCategory(for: 2) == .other)
        #expect(Language.ptBR.pluralCategory(for: 0) == .one)
        #expect(Language.ptBR.pluralCategory(for: 7) == .other)
    }

    @Test("plural texts pick the form and write the count with the locale's grouping; lists use the locale's conjunction")
    func pluralTexts() throws {
        let catalogs = try MessageCatalogTests.shipped()
        #expect(catalogs.texts(.en).plural("portal.dashboard.moreTasks", count: 1) == "1 more task")
        #expect(catalogs.texts(.en).plural("portal.dashboard.moreTasks", count: 12_345) == "12,345 more tasks")
        #expect(catalogs.texts(.fr).plural("portal.dashboard.moreTasks", count: 0) == "0 autre tâche")
        #expect(catalogs.texts(.ptBR).plural("portal.dashboard.moreTasks", count: 12_345) == "Mais 12.345 tarefas")
        #expect(catalogs.texts(.es).plural("portal.dashboard.moreTasks", count: 3) == "3 tareas más")
        #expect(catalogs.texts(.es).list(["Ana", "Luis", "Mei"]) == "Ana, Luis y Mei")
        #expect(catalogs.texts(.ptBR).list(["Ana", "Luis"]) == "Ana e Luis")
    }
}
