import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("The staff console in the staff member's language")
struct ConsoleLanguageTests {
    @Test("a staff member on a Spanish-speaking tenant picks Spanish on My account and gets Spanish pages; one on an English tenant gets English")
    func chosenOnAccount() async throws {
        let zenith = try await TestTenant.create(name: "Zenith Red")
        try await PortalLanguageTests.offer(zenith, ["es", "en"])
        let acme = try await TestTenant.create(name: "Acme Wireless")
        try await PortalLanguageTests.offer(acme, ["en", "es"])
        let ana = try await zenith.staff(role: .agent, name: "Ana López")
        let bob = try await acme.staff(role: .agent, name: "Bob Smith")
        try await TestApp.with { (app: TestApp) async throws in
            // Ana's browser asks for English first; she then chooses Spanish on her account page.
            let spanish = Browser(app: app, host: zenith.host)
            try await spanish.signInStaff(ana.email)
            let account = try await spanish.get("/admin/account", headers: [.acceptLanguage: "en"])
            #expect(account.body.contains(#"<html lang="en">"#))
            #expect(account.body.contains(#"<section class="panel" aria-labelledby="language-heading" id="language">"#))
            let chosen = try await spanish.post("/language", ["language": "es", "back": "/admin/account"])
            #expect(chosen.status == .seeOther)
            #expect(chosen.header("Location") == "/admin/account")
            let stored = try await zenith.transaction { tx in
                try await tx.scalar("SELECT language FROM staff_users WHERE id = \(ana.id)", as: String.self)
            }
            #expect(stored == "es")

            // Her choice beats the browser's header and outlives the cookie.
            spanish.setCookie("portico_lang", nil)
            for (path, text) in [
                ("/admin", "Has entrado como Ana López (Agente)."), ("/admin/account", ">Mi cuenta<"), ("/admin/tasks", ">Tareas para abonados<"),
            ] {
                let page = try await spanish.get(path, headers: [.acceptLanguage: "en-US,en;q=0.9"])
                #expect(page.status == .ok, "\(path)")
                #expect(page.body.contains(#"<html lang="es">"#), "\(path)")
                #expect(page.header("Content-Language") == "es", "\(path)")
                #expect(page.headers("Vary").joined(separator: ",").contains("Accept-Language"), "\(path)")
                #expect(page.body.contains(text), "\(path)")
                #expect(page.body.contains(">Órdenes de trabajo<"), "\(path): the navigation")
            }

            // Bob on acme made no choice and his browser says English: English console.
            let english = Browser(app: app, host: acme.host)
            try await english.signInStaff(bob.email)
            let home = try await english.get("/admin", headers: [.acceptLanguage: "en-GB"])
            #expect(home.body.contains(#"<html lang="en">"#))
            #expect(home.header("Content-Language") == "en")
            #expect(home.body.contains("Signed in as Bob Smith (Agent)."))
            #expect(home.body.contains(">Work orders<"))
        }
    }

    @Test("without a stored choice: Accept-Language among the offered languages, else the tenant's default; sign-in page and errors follow")
    func negotiated() async throws {
        let zenith = try await TestTenant.create(name: "Zenith Red")
        try await PortalLanguageTests.offer(zenith, ["es", "en", "fr"])
        let technician = try await zenith.staff(role: .technician)
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: zenith.host)
            let login = try await browser.get("/admin/login")
            #expect(login.body.contains(#"<html lang="es">"#))
            #expect(login.body.contains(">Acceso del personal<"))
            #expect(login.body.contains("Consola del personal de Zenith Red"))
            let french = try await browser.get("/admin/login", headers: [.acceptLanguage: "fr-CA,fr;q=0.8"])
            #expect(french.body.contains(#"<html lang="fr">"#))
            #expect(french.body.contains(">Connexion du personnel<"))

            let wrong = try await browser.post("/admin/login", ["email": technician.email, "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("El correo o la contraseña no son correctos"))

            // A person-facing 403 from the console, in the page's language.
            try await browser.signInStaff(technician.email)
            let forbidden = try await browser.get("/admin/tasks", headers: [.acceptLanguage: "fr"])
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.body.contains(#"<html lang="fr">"#))
            #expect(forbidden.body.contains("Cette partie de la console est réservée aux agents et aux administrateurs."))
        }
    }

    @Test("the rest of the console follows a Spanish choice: staff, API keys, audit, domains, import, deletion requests, day headings, messages")
    func restOfConsoleInSpanish() async throws {
        try await SpanishConsoleFixture.withSignedInAdmin { zenith, app, browser in
            for (path, text) in [
                ("/admin/staff", ">Invitar a un miembro del personal<"), ("/admin/api-keys", ">Crear una clave de API<"),
                ("/admin/audit", ">Registro de actividad<"), ("/admin/domains", ">Añadir un dominio<"),
                ("/admin/import", ">Importar abonados desde un archivo CSV<"), ("/admin/deletion-requests", ">Solicitudes de eliminación<"),
                ("/admin/settings/notifications", ">Notificaciones por correo<"), ("/admin/export", ">Cuentas y equipos<"),
                // The calendar's day heading names the day in Spanish (2031-03-04 is a Tuesday).
                ("/admin/appointments?date=2031-03-04", "martes, 4 de marzo de 2031"),
            ] {
                let page = try await browser.get(path, headers: [.acceptLanguage: "en-US,en;q=0.9"])
                #expect(page.status == .ok, "\(path)")
                #expect(page.body.contains(#"<html lang="es">"#), "\(path)")
                #expect(page.body.contains(text), "\(path): \(text)")
            }

            // A validation message from the controller, and a notice after an action.
            let invalid = try await browser.post("/admin/staff/invite", ["email": "nobody", "name": "", "role": "agent"])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.body.contains("Escribe un correo como nombre@ejemplo.com."))
            let created = try await browser.post("/admin/api-keys", ["name": "Facturación", "scope": "read"])
            #expect(created.status == .created)
            #expect(created.body.contains("Clave de API «Facturación» creada."))
            #expect(created.body.contains("Solo lectura"))

            // Signed out, the staff recovery pages follow the browser's language.
            let signedOut = Browser(app: app, host: zenith.host)
            let english = try await signedOut.get("/admin/forgot-password", headers: [.acceptLanguage: "en"])
            #expect(english.body.contains("Reset your staff password"))
            // French is not offered here: the tenant's default, Spanish.
            let spanish = try await signedOut.get("/admin/forgot-password", headers: [.acceptLanguage: "fr"])
            #expect(spanish.body.contains(#"<html lang="es">"#))
            #expect(spanish.body.contains("Restablece tu contraseña del personal"))
        }
    }
}
