import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// A tenant's own texts per language, as on the demo's zenith: Spanish by default, English
/// offered. Staff give the English versions beside the Spanish ones; a subscriber who chose
/// English reads them, and the Spanish text wherever no English one was given.
@Suite("Tenant texts in each offered language")
struct TenantTextsTests {
    struct World {
        let tenant: TestTenant
        let admin: StaffUser
        let rosa: Customer
        let ed: Customer
    }

    /// Zenith-like: Spanish by default, English offered; Rosa never chose (Spanish), Ed chose English.
    static func world() async throws -> World {
        let tenant = try await TestTenant.create(name: "Zenith Net")
        try await PortalLanguageTests.offer(tenant, ["es", "en"])
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let (_, rosa) = try await tenant.signInableSubscriber(name: "Rosa Díaz")
        let (_, ed) = try await tenant.signInableSubscriber(name: "Ed Baker")
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET email_verified_at = now() WHERE id IN (\(rosa.id), \(ed.id))")
            try await tx.execute("UPDATE customers SET language = 'en' WHERE id = \(ed.id)")
        }
        return World(tenant: tenant, admin: admin, rosa: rosa, ed: ed)
    }

    static func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        return console
    }

    static func portal(_ app: TestApp, _ world: World, _ customer: Customer) async throws -> Browser {
        let browser = Browser(app: app, host: world.tenant.host)
        try await browser.signInCustomer(customer.email)
        return browser
    }

    static func scalar<T: PostgresDecodable & Sendable>(_ world: World, _ sql: SQL, as type: T.Type) async throws -> T? {
        try await world.tenant.transaction { tx in try await tx.scalar(sql, as: type) }
    }

    static func id(_ world: World, _ sql: SQL) async throws -> String {
        try #require(try await scalar(world, sql, as: UUID.self)).uuidString.lowercased()
    }

    @Test("staff give English texts beside the Spanish ones; an English subscriber reads them, else the Spanish default")
    func portalShowsTheReadersLanguage() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await Self.console(app, world)
            // The forms ask for English beside the default (Spanish) fields.
            let faqPage = try await console.get("/admin/settings/faq")
            #expect(faqPage.body.contains(#"name="answer_en" lang="en""#))
            #expect(faqPage.body.contains("Respuesta — English"), "the console is in the tenant's default language here")
            #expect(faqPage.body.contains("<h1>Preguntas frecuentes</h1>"))
            #expect(!faqPage.body.contains("answer_es"), "the default language has its own field")

            try await console.post(
                "/admin/settings/faq",
                ["question": "¿Cuándo llega la factura?", "answer": "El día 1.", "question_en": "When is the bill sent?", "answer_en": "On the 1st."])
            try await console.get("/admin/settings/faq")
            try await console.post("/admin/settings/faq", ["question": "¿Hay permanencia?", "answer": "No.", "question_en": "", "answer_en": ""])
            try await console.get("/admin/settings/notices")
            try await console.post(
                "/admin/settings/notices",
                ["kind": "outage", "title": "Corte en La Loma", "body": "Estamos en ello.", "title_en": "Outage in La Loma"])
            try await console.get("/admin/settings/categories")
            try await console.post(
                "/admin/settings/categories",
                ["name": "Sin señal", "help_text": "La antena no enlaza.", "name_en": "No signal", "help_text_en": "The antenna shows no link."])
            #expect(try await Self.scalar(world, "SELECT count(*)::int FROM audit_events WHERE action = 'settings.faq_created'", as: Int.self) == 2)

            // The branding form: the English welcome message beside the Spanish one.
            let version = try #require(try await Self.scalar(world, "SELECT version FROM tenant_branding", as: Int.self))
            let branding = try await console.get("/admin/branding")
            #expect(branding.body.contains(#"name="welcome_message_en""#))
            let saved = try await console.post(
                "/admin/branding",
                BrandingEditorTests.form(
                    version: version,
                    [
                        "welcome_message": "Bienvenido a Zenith.", "welcome_message_en": "Welcome to Zenith.", "footer_text": "Zenith · desde 2001",
                        "footer_text_en": "Zenith · since 2001", "support_hours": "L–V 8:00–18:00",
                    ]))
            #expect(saved.status == .seeOther)
            #expect(try await Self.scalar(world, "SELECT count(*)::int FROM audit_events WHERE action = 'branding.updated'", as: Int.self) == 1)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let ed = try await Self.portal(app, world, world.ed)
            let dashboard = try await ed.get("/portal")
            #expect(dashboard.body.contains("Welcome to Zenith."))
            #expect(dashboard.body.contains("Zenith · since 2001"))
            #expect(!dashboard.body.contains("Bienvenido a Zenith."))
            let support = try await ed.get("/portal/support")
            #expect(support.body.contains("When is the bill sent?"))
            #expect(support.body.contains("On the 1st."))
            #expect(support.body.contains("¿Hay permanencia?"), "no English text given: the Spanish default")
            #expect(support.body.contains("L–V 8:00–18:00"), "no English hours given: the Spanish default")
            #expect(try await ed.get("/portal/support?q=bill").body.contains("When is the bill sent?"), "search finds the reader's language")
            #expect(try await ed.get("/status").body.contains("Outage in La Loma"))
            let form = try await ed.get("/portal/work-orders/new")
            #expect(form.body.contains(#"value="Sin señal""#), "the stored value stays the default name")
            #expect(form.body.contains(">No signal<"))
            #expect(form.body.contains("The antenna shows no link."))

            let rosa = try await Self.portal(app, world, world.rosa)
            #expect(try await rosa.get("/portal").body.contains("Bienvenido a Zenith."))
            let spanish = try await rosa.get("/portal/support")
            #expect(spanish.body.contains("¿Cuándo llega la factura?"))
            #expect(!spanish.body.contains("When is the bill sent?"))
            #expect(try await rosa.get("/status").body.contains("Corte en La Loma"))
            #expect(try await rosa.get("/portal/work-orders/new").body.contains(">Sin señal<"))
        }
    }

    @Test("a language the tenant stops offering keeps its stored texts, which are no longer shown or asked for")
    func removedLanguage() async throws {
        let world = try await Self.world()
        let entry = try await world.tenant.transaction { tx in
            try await Repositories.postgres.settings.createFAQ(
                question: "¿Hay permanencia?", answer: "No.",
                translations: TextTranslations(["en": ["question": "Is there a contract?", "answer": "No contract."]]), in: tx)
        }
        try await PortalLanguageTests.offer(world.tenant, ["es"])
        try await TestApp.with { (app: TestApp) async throws in
            let ed = try await Self.portal(app, world, world.ed)
            let support = try await ed.get("/portal/support")
            #expect(support.body.contains("¿Hay permanencia?"))
            #expect(!support.body.contains("Is there a contract?"))

            let console = try await Self.console(app, world)
            let id = entry.id.uuidString.lowercased()
            let edit = try await console.get("/admin/settings/faq/\(id)")
            #expect(!edit.body.contains("question_en"))
            #expect(
                try await console.post("/admin/settings/faq/\(id)", ["question": "¿Hay permanencia mínima?", "answer": "No."]).status == .seeOther)
        }
        let stored = try #require(
            try await world.tenant.transaction { tx in try await Repositories.postgres.settings.faqEntry(id: entry.id, in: tx) })
        #expect(stored.question == "¿Hay permanencia mínima?")
        #expect(stored.translations.text("question", in: .en) == "Is there a contract?", "kept for when English is offered again")
    }

    @Test("a too-long translation is refused with its field named, and nothing is written")
    func validation() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await Self.console(app, world)
            try await console.get("/admin/settings/faq")
            let long = try await console.post(
                "/admin/settings/faq", ["question": "¿Velocidad?", "answer": "100 Mb.", "answer_en": String(repeating: "a", count: 5001)])
            #expect(long.status == .unprocessableContent)
            #expect(long.body.contains("href=\"#field-answer_en\""))
            #expect(long.body.contains("Escribe como máximo 5000 caracteres."), "in the console's language (the tenant's default here)")
            #expect(long.body.contains(">¿Velocidad?<") || long.body.contains(#"value="¿Velocidad?""#), "typed values are kept")
            #expect(try await Self.scalar(world, "SELECT count(*)::int FROM faq_entries", as: Int.self) == 0)
            let empty = try await console.post("/admin/settings/faq", ["question": "", "answer": ""])
            #expect(empty.body.contains("Escribe la pregunta tal como la haría un abonado."))

            try await console.get("/admin/settings/faq")
            try await console.post("/admin/settings/faq", ["question": "¿Velocidad?", "answer": "100 Mb.", "answer_en": "100 Mb."])
            let id = try await Self.id(world, "SELECT id FROM faq_entries")
            try await console.get("/admin/settings/faq/\(id)")
            // The default question missing and an English one too long: both reported, nothing changes.
            let both = try await console.post(
                "/admin/settings/faq/\(id)", ["question": "", "answer": "200 Mb.", "question_en": String(repeating: "q", count: 301)])
            #expect(both.status == .unprocessableContent)
            #expect(both.body.contains("href=\"#field-question\""))
            #expect(both.body.contains("href=\"#field-question_en\""))
            #expect(try await Self.scalar(world, "SELECT answer FROM faq_entries", as: String.self) == "100 Mb.")
            #expect(try await Self.scalar(world, "SELECT translations -> 'en' ->> 'answer' FROM faq_entries", as: String.self) == "100 Mb.")

            try await console.get("/admin/settings/categories")
            let category = try await console.post(
                "/admin/settings/categories", ["name": "Sin señal", "name_en": String(repeating: "n", count: 101)])
            #expect(category.status == .unprocessableContent)
            #expect(category.body.contains("href=\"#field-name_en\""))
            #expect(try await Self.scalar(world, "SELECT count(*)::int FROM work_order_categories WHERE name = 'Sin señal'", as: Int.self) == 0)
        }
    }

    @Test("another tenant's question, notice or category: 404 like a missing one, and its texts stay as they were")
    func crossTenant() async throws {
        let world = try await Self.world()
        let other = try await TestTenant.create(name: "Other Net")
        let (faq, notice, category) = try await other.transaction { tx in
            let settings = Repositories.postgres.settings
            let translations = TextTranslations(["es": ["question": "Suya", "title": "Suyo", "name": "Suya"]])
            let faq = try await settings.createFAQ(question: "Theirs?", answer: "Theirs.", translations: translations, in: tx)
            var input = NoticeInput(kind: "outage", title: "Theirs", body: "", startsAt: Date(), endsAt: nil)
            input.translations = translations
            let notice = try await settings.createNotice(input, in: tx)
            let category = try await settings.createCategory(name: "Theirs", helpText: "", translations: translations, in: tx)
            return (faq.id.uuidString.lowercased(), notice.id.uuidString.lowercased(), category.id.uuidString.lowercased())
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await Self.console(app, world)
            let missing = UUID().uuidString.lowercased()
            for (path, fields) in [
                ("/admin/settings/faq/", ["question": "Mine?", "answer": "Mine.", "question_en": "Mine?"]),
                ("/admin/settings/notices/", ["kind": "outage", "title": "Mine", "title_en": "Mine"]),
                ("/admin/settings/categories/", ["name": "Mine", "name_en": "Mine"]),
            ] {
                let foreign = path.contains("faq") ? faq : path.contains("notices") ? notice : category
                #expect(try await console.get(path + missing).status == .notFound)
                #expect(try await console.get(path + foreign).status == .notFound)
                try await console.get("/admin/settings")
                #expect(try await console.post(path + foreign, fields).status == .notFound)
            }
        }
        let texts = try await other.transaction { tx in
            try await tx.scalar(
                """
                SELECT (SELECT question || translations::text FROM faq_entries) || (SELECT title || translations::text FROM service_notices)
                       || (SELECT name || translations::text FROM work_order_categories WHERE name = 'Theirs')
                """, as: String.self)
        }
        #expect(texts?.contains("Mine") == false)
        #expect(texts?.contains("Theirs?") == true)
    }

    @Test("deleting a question deletes its translations with it")
    func deleteCascades() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await Self.console(app, world)
            try await console.get("/admin/settings/faq")
            try await console.post("/admin/settings/faq", ["question": "¿Borrar?", "answer": "Sí.", "question_en": "Delete?", "answer_en": "Yes."])
            let id = try await Self.id(world, "SELECT id FROM faq_entries")
            try await console.get("/admin/settings/faq")
            #expect(try await console.post("/admin/settings/faq/\(id)/delete", [:]).status == .seeOther)
            #expect(try await Self.scalar(world, "SELECT count(*)::int FROM faq_entries", as: Int.self) == 0)
        }
    }

    @Test("emails carry the footer and support hours in the recipient's language")
    func emailSignature() async throws {
        let world = try await Self.world()
        try await world.tenant.transaction { tx in
            try await tx.execute(
                """
                UPDATE tenant_branding SET footer_text = 'Zenith · internet rural', support_hours = 'L–V 8–18',
                       translations = '{"en": {"footer_text": "Zenith · rural internet", "support_hours": "Mon–Fri 8–18"}}'
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            try await EmailLanguageTests.inEnglishConsole(app, world.tenant) { resolved, tx in
                let mail = SubscriberMail(outbox: app.dependencies.outbox)
                for customer in [world.rosa, world.ed] {
                    try await mail.send(
                        .workOrderComment, to: customer, tenant: resolved,
                        values: ["number": "7", "title": "Antena", "author": "Ana", "comment": "Hola"], in: tx)
                }
            }
        }
        let english = try #require(try await TestMailbox.latest(to: world.ed.email, tenant: world.tenant.id, kind: "work_order_comment"))
        #expect(english.text.contains("Zenith · rural internet"))
        #expect(!english.text.contains("internet rural"))
        let spanish = try #require(try await TestMailbox.latest(to: world.rosa.email, tenant: world.tenant.id, kind: "work_order_comment"))
        #expect(spanish.text.contains("Zenith · internet rural"))
        #expect(!spanish.text.contains("rural internet"))
    }
}
