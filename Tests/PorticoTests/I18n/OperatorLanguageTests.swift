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

    /// Every operator page: sign-in, the tenant table, onboarding (also refused), a tenant's page
    /// (also with a refused set-password request), its data and offboarding page (active, then
    /// suspended with a refused confirmation), backups, and the platform reports (also a refused range).
    @Test("pseudo-locale: every operator console page shows only catalog texts")
    func pseudoLocale() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        let admin = try await tenant.staff(role: .admin, name: "Yuri Admin")
        try await TestApp.with(catalogs: try PseudoLocaleTests.pseudo()) { (app: TestApp) async throws in
            let visitor = Browser(app: app, host: "operator.localhost")
            var pages: [(String, HTTPTestResponse)] = [("/operator/login", try await visitor.get("/operator/login"))]
            let (browser, email) = try await OperatorFixture.signedIn(app)
            let slug = tenant.slug
            for path in [
                "/operator", "/operator/tenants/new", "/operator/tenants/\(slug)", "/operator/tenants/\(slug)/data", "/operator/backups",
                "/operator/reports", "/operator/reports?from=2001-01-01&to=2001-01-14",
            ] {
                pages.append((path, try await browser.get(path)))
            }
            let badTenant = try await browser.post(
                "/operator/tenants", ["slug": "X", "name": "", "admin_email": "nope", "time_zone": "Mars/Olympus", "default_language": "en"])
            #expect(badTenant.status == .unprocessableContent)
            pages.append(("/operator/tenants (refused)", badTenant))
            let badLink = try await browser.post("/operator/tenants/\(slug)/staff-reset-link", ["email": "nobody@example.com"])
            #expect(badLink.status == .unprocessableContent)
            pages.append(("/operator/tenants/\(slug)/staff-reset-link (refused)", badLink))
            let issued = try await browser.post("/operator/tenants/\(slug)/staff-reset-link", ["email": admin.email])
            pages.append(("/operator/tenants/\(slug)/staff-reset-link", issued))
            pages.append(("/operator/tenants/\(slug)/suspend", try await browser.post("/operator/tenants/\(slug)/suspend")))
            pages.append(("/operator/tenants/\(slug)/data (suspended)", try await browser.get("/operator/tenants/\(slug)/data")))
            let wrong = try await browser.post("/operator/tenants/\(slug)/delete", ["confirm": "nope"])
            pages.append(("/operator/tenants/\(slug)/delete (refused)", wrong))
            let badRange = try await browser.get("/operator/reports?from=2001-01-14&to=2001-01-01")
            #expect(badRange.status == .unprocessableContent)
            pages.append(("/operator/reports (refused range)", badRange))
            let data =
                [
                    email, admin.email, "Yuri Admin", "Quorra Net", tenant.slug, "Portico", "PostgreSQL", "English", "Español", "Português (Brasil)",
                    "Français", "UTC", "(", ")", "·", "Mars/Olympus", "nobody@example.com", "nope",
                    // Commands and setting names the backups page shows as they are.
                    "portico backup create", "portico backup verify FILE",
                ]
            // The reports name every tenant of the shared test database (the chart shortens long slugs),
            // including those other tests created while the pages were fetched.
            let slugs = try await TestCluster.database().appPool.query("SELECT slug FROM tenants").rows.map {
                try $0.decode("slug", as: String.self)
            }
            let reportData = data + slugs + slugs.map { String($0.prefix(13)) }
            for (path, page) in pages {
                if !path.contains("(refused") { #expect(page.status == .ok, "\(path)") }
                // The table lists every tenant of the shared test database: only this test's row
                // is checked, and the running version is data.
                var body = page.body.replacing(try Regex(#"Portico [^<\s]+"#), with: "Portico")
                if path == "/operator" || path.hasSuffix("/suspend"), let start = body.range(of: "<tbody>"), let end = body.range(of: "</tbody>") {
                    let row = try #require(OperatorTenantTableTests.row(of: tenant.slug, in: body))
                    body.replaceSubrange(start.upperBound..<end.lowerBound, with: "<tr><td>" + row + "</tr>")
                }
                // Backups that other tests of the shared data folder record (times, file names, sizes,
                // a stored pg_dump error) are machine data.
                if path == "/operator/backups" {
                    for pattern in [
                        #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}( [A-Z][A-Za-z0-9+:-]*)?"#, #"portico-backup-[^<\s]+"#, #"\d+(\.\d+)? ?(bytes|byte|[kKMGT]B)"#,
                        #"pg_dump failed[^<]*"#,
                    ] {
                        body = body.replacing(try Regex(pattern), with: "")
                    }
                }
                // A test tenant deleted by its own test before the slugs above were read still
                // shows on a page fetched earlier: its slug has `TestTenant`'s shape.
                if path.hasPrefix("/operator/reports") {
                    body = body.replacing(try Regex(#"t-[0-9a-f]{8}-[0-9a-f]{1,3}"#), with: "")
                }
                let known = path.hasPrefix("/operator/reports") ? reportData : data
                for text in PseudoLocaleTests.visibleTexts(body) where !PseudoLocaleTests.consoleLeftover(text, data: known).isEmpty {
                    Issue.record("\(path) shows text not from the catalog: \(text)")
                }
            }
        }
    }
}
