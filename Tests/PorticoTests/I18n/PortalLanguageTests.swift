import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("The portal in the visitor's language")
struct PortalLanguageTests {
    static func offer(_ tenant: TestTenant, _ languages: [String]) async throws {
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE tenants SET offered_languages = \(languages), default_language = \(languages[0]) WHERE id = \(tx.tenant)")
        }
    }

    @Test("Accept-Language picks among the tenant's languages; lang, Content-Language and the texts follow")
    func negotiated() async throws {
        let tenant = try await TestTenant.create(name: "Sierra Net")
        try await Self.offer(tenant, ["en", "es", "pt-BR"])
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let spanish = try await browser.get("/", headers: [.acceptLanguage: "es-MX,es;q=0.9,en;q=0.5"])
            #expect(spanish.status == .ok)
            #expect(spanish.body.contains(#"<html lang="es">"#))
            #expect(spanish.header("Content-Language") == "es")
            #expect(spanish.headers("Vary").joined(separator: ",").contains("Accept-Language"))
            #expect(spanish.body.contains("Te damos la bienvenida a Sierra Net"))
            #expect(spanish.body.contains(">Crear una cuenta<"))
            #expect(spanish.body.contains(#"<option value="pt-BR" lang="pt-BR">Português (Brasil)</option>"#))

            // French is not offered: the best remaining match, then the default.
            let french = try await browser.get("/portal/login", headers: [.acceptLanguage: "fr-FR, pt;q=0.4"])
            #expect(french.body.contains(#"<html lang="pt-BR">"#))
            #expect(french.body.contains("Entre na sua conta Sierra Net"))
            let none = try await browser.get("/portal/login")
            #expect(none.body.contains(#"<html lang="en">"#))
            #expect(none.body.contains("Sign in to Sierra Net"))
        }
    }

    @Test("the footer switcher: a visitor's pick goes in a cookie, a subscriber's is stored and beats Accept-Language")
    func switcher() async throws {
        let tenant = try await TestTenant.create(name: "Sierra Net")
        try await Self.offer(tenant, ["es", "en", "pt-BR"])
        let (_, customer) = try await tenant.signInableSubscriber(name: "Rosa Díaz")
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            #expect(try await browser.get("/portal/login").body.contains(#"<html lang="es">"#))

            // Not offered (and not a language at all): refused, nothing set.
            let refused = try await browser.post("/language", ["language": "fr", "back": "/portal/login"])
            #expect(refused.status == .unprocessableContent)
            #expect(browser.cookie("portico_lang") == nil)
            try await browser.get("/portal/login")
            let switched = try await browser.post("/language", ["language": "pt-BR", "back": "/portal/login"])
            #expect(switched.status == .seeOther)
            #expect(switched.header("Location") == "/portal/login")
            #expect(browser.cookie("portico_lang") == "pt-BR")
            #expect(try await browser.get("/portal/login").body.contains(">Esqueceu a senha?<"))

            // Only paths of this site: never somewhere else.
            try await browser.get("/portal/login")
            #expect(try await browser.post("/language", ["language": "en", "back": "//evil.example/x"]).header("Location") == "/")

            try await browser.signInCustomer(customer.email)
            try await browser.get("/portal")
            let stored = try await browser.post("/language", ["language": "pt-BR", "back": "/portal"])
            #expect(stored.header("Location") == "/portal")
            let language = try await tenant.transaction { tx in
                try await tx.scalar("SELECT language FROM customers WHERE id = \(customer.id)", as: String.self)
            }
            #expect(language == "pt-BR")
            browser.setCookie("portico_lang", nil)
            let dashboard = try await browser.get("/portal", headers: [.acceptLanguage: "en"])
            #expect(dashboard.body.contains(#"<html lang="pt-BR">"#))
            #expect(dashboard.body.contains("Olá, Rosa Díaz"))
            #expect(dashboard.body.contains(">Solicitações<"))
            #expect(dashboard.body.contains(">Sair<"))
        }
    }

    @Test("a tenant with one language shows no switcher and its pages stay as they were")
    func singleLanguage() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let page = try await Browser(app: app, host: tenant.host).get("/", headers: [.acceptLanguage: "es"])
            #expect(page.body.contains(#"<html lang="en">"#))
            #expect(!page.body.contains("language-switcher"))
            #expect(page.header("Content-Language") == "en")
        }
    }

    @Test("admins choose the default and offered languages; the portal follows; bad codes and agents change nothing")
    func settings() async throws {
        let tenant = try await TestTenant.create(name: "Sierra Net")
        let admin = try await tenant.staff(role: .admin)
        let agent = try await tenant.staff(role: .agent)
        func stored() async throws -> String {
            try await tenant.transaction { tx in
                let row = try #require(
                    try await tx.first(
                        "SELECT default_language, array_to_string(offered_languages, ',') AS offered FROM tenants WHERE id = \(tx.tenant)"))
                return "\(try row.decode("default_language", as: String.self))|\(try row.decode("offered", as: String.self))"
            }
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            #expect(try await console.get("/admin/settings").body.contains("Portal in English."))
            try await console.get("/admin/settings/languages")
            let bad = try await console.post("/admin/settings/languages", ["default_language": "de", "offered": "en"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Choose the default language from the list."))
            #expect(try await stored() == "en|en")

            try await console.get("/admin/settings/languages")
            let saved = try await console.post("/admin/settings/languages", ["default_language": "es", "offered": "fr"])
            #expect(saved.status == .seeOther)
            // The default is always offered, first.
            #expect(try await stored() == "es|es,fr")
            let audit = try await tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'settings.languages_changed'", as: Int.self)
            }
            #expect(audit == 1)

            // The directory hears of the change: the portal now greets in Spanish.
            var page = try await Browser(app: app, host: tenant.host).get("/portal/login")
            for _ in 0..<100 where !page.body.contains(#"<html lang="es">"#) {
                try await Task.sleep(for: .milliseconds(50))
                page = try await Browser(app: app, host: tenant.host).get("/portal/login")
            }
            #expect(page.body.contains(#"<html lang="es">"#))
            #expect(page.body.contains(#"<option value="fr" lang="fr">Français</option>"#))

            let desk = Browser(app: app, host: tenant.host)
            try await desk.signInStaff(agent.email)
            #expect(try await desk.get("/admin/settings/languages").status == .forbidden)
            #expect(try await stored() == "es|es,fr")
        }
    }

    @Test("onboarding sets the portal's language; the tenant starts offering just that one")
    func onboarding() async throws {
        let environment = try await OnboardingTests.environment()
        let slug = OnboardingTests.uniqueSlug()
        _ = try await TenantCommands.create(
            TenantOnboardingRequest(
                slug: slug, name: "Montaña Net", adminEmail: "jefa@montana.example",
                defaultLanguage: .es), environment: environment)
        let tenant = try #require(try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug))
        #expect(tenant.defaultLanguage == "es")
        #expect(tenant.offeredLanguages == ["es"])
    }

    @Test("account emails go out in the recipient's language: their own choice, else the tenant's; Content-Language says which")
    func emails() async throws {
        let tenant = try await TestTenant.create(name: "Sierra Net")
        try await Self.offer(tenant, ["es", "en", "pt-BR"])
        let (_, spanish) = try await tenant.signInableSubscriber(name: "Rosa Díaz")
        let (_, brazilian) = try await tenant.signInableSubscriber(name: "João Lima")
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET language = 'pt-BR' WHERE id = \(brazilian.id)")
        }
        try await TestApp.with { (app: TestApp) async throws in
            for customer in [spanish, brazilian] {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.get("/portal/forgot-password", headers: [.acceptLanguage: "en"])
                let sent = try await browser.post("/portal/forgot-password", ["email": customer.email])
                #expect(sent.status == .ok, "\(sent.status) \(sent.body.prefix(600))")
            }
        }
        let rosa = try #require(try await TestMailbox.latest(to: spanish.email, tenant: tenant.id, kind: "reset_password"))
        #expect(rosa.subject == "Restablece tu contraseña de Sierra Net")
        #expect(rosa.text.hasPrefix("Hola, Rosa Díaz:"))
        #expect(rosa.html?.contains(#"<html lang="es">"#) == true)
        #expect(rosa.html?.contains("Elegir una contraseña nueva") == true)
        let joao = try #require(try await TestMailbox.latest(to: brazilian.email, tenant: tenant.id, kind: "reset_password"))
        #expect(joao.subject == "Redefina sua senha da Sierra Net")
        #expect(joao.text.hasPrefix("Olá, João Lima,"))
        let languages = try await tenant.transaction { tx in
            try await tx.rows("SELECT content_language FROM outbox WHERE kind = 'reset_password' ORDER BY recipient = \(spanish.email) DESC")
                .map { try $0.decode("content_language", as: String.self) }
        }
        #expect(languages == ["es", "pt-BR"])
    }
}
