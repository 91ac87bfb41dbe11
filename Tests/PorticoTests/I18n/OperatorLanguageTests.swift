import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Testing

@Suite("The operator console in the operator's language")
struct OperatorLanguageTests {
    @Test("Accept-Language picks among all four languages (pt-BR here); the footer switcher's cookie beats it; lang, Content-Language, Vary")
    func negotiatedAndSwitched() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let visitor = Browser(app: app, host: "operator.localhost")
            let login = try await visitor.get("/operator/login", headers: [.acceptLanguage: "pt-PT,pt;q=0.9,en;q=0.5"])
            #expect(login.status == .ok)
            #expect(login.body.contains(#"<html lang="pt-BR">"#))
            #expect(login.header("Content-Language") == "pt-BR")
            #expect(login.headers("Vary").joined(separator: ",").contains("Accept-Language"))
            #expect(login.body.contains(">Login do operador<"))
            #expect(login.body.contains(#"action="/operator/language""#))
            let unknown = try await visitor.get("/operator/login", headers: [.acceptLanguage: "de-DE"])
            #expect(unknown.body.contains(#"<html lang="en">"#))
            #expect(unknown.body.contains(">Operator sign-in<"))

            let (browser, _) = try await OperatorFixture.signedIn(app)
            let tenants = try await browser.get("/operator", headers: [.acceptLanguage: "pt-BR"])
            #expect(tenants.body.contains(#"<html lang="pt-BR">"#))
            #expect(tenants.body.contains(">Saúde da plataforma<"))
            #expect(tenants.body.contains(">Cadastrar um cliente<"))

            // The switcher: French from now on, whatever the browser says; back to the same page.
            let switched = try await browser.post("/operator/language", ["language": "fr", "back": "/operator"])
            #expect(switched.status == .seeOther)
            #expect(switched.header("Location") == "/operator")
            let french = try await browser.get("/operator", headers: [.acceptLanguage: "pt-BR"])
            #expect(french.body.contains(#"<html lang="fr">"#))
            #expect(french.header("Content-Language") == "fr")
            #expect(french.body.contains(">État de la plateforme<"))
            #expect(french.body.contains(#"<option value="fr" lang="fr" selected>"#))
            // Only a path on the operator console is a way back.
            let away = try await browser.post("/operator/language", ["language": "es", "back": "https://elsewhere.example/"])
            #expect(away.header("Location") == "/operator")
            let refused = try await browser.post("/operator/language", ["language": "de", "back": "/operator"])
            #expect(refused.status == .unprocessableContent)
        }
    }

    /// The operator pages converted so far; the rest (a tenant's page, data and offboarding,
    /// backups, reports) still show literal English.
    @Test("pseudo-locale: the operator sign-in, the tenant table and the onboarding form show only catalog texts")
    func pseudoLocale() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        try await TestApp.with(catalogs: try PseudoLocaleTests.pseudo()) { (app: TestApp) async throws in
            let visitor = Browser(app: app, host: "operator.localhost")
            var pages: [(String, HTTPTestResponse)] = [("/operator/login", try await visitor.get("/operator/login"))]
            let (browser, email) = try await OperatorFixture.signedIn(app)
            pages.append(("/operator", try await browser.get("/operator")))
            pages.append(("/operator/tenants/new", try await browser.get("/operator/tenants/new")))
            let data = [
                email, "Quorra Net", tenant.slug, "Portico", "PostgreSQL", "English", "Español", "Português (Brasil)", "Français", "UTC", "(", ")",
                "·",
            ]
            for (path, page) in pages {
                #expect(page.status == .ok, "\(path)")
                // The table lists every tenant of the shared test database: only this test's row
                // is checked, and the running version is data.
                var body = page.body.replacing(try Regex(#"Portico [^<\s]+"#), with: "Portico")
                if let start = body.range(of: "<tbody>"), let end = body.range(of: "</tbody>") {
                    let row = try #require(OperatorTenantTableTests.row(of: tenant.slug, in: body))
                    body.replaceSubrange(start.upperBound..<end.lowerBound, with: "<tr><td>" + row + "</tr>")
                }
                for text in PseudoLocaleTests.visibleTexts(body) where !PseudoLocaleTests.consoleLeftover(text, data: data).isEmpty {
                    Issue.record("\(path) shows text not from the catalog: \(text)")
                }
            }
        }
    }
}
