import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("Staff: branding editor")
struct BrandingEditorTests {
    /// A complete, legible form as the editor would post it.
    static func form(version: Int, _ changes: [String: String] = [:]) -> [String: String] {
        var fields = [
            "version": String(version), "company_name": "Ridge Wireless", "theme": "default",
            "color_primary": "#0b5cab", "color_secondary": "#374151", "color_accent": "#c2410c",
            "color_background": "#ffffff", "color_text": "#1f2933",
            "support_email": "Help@Ridge.example", "support_phone": "+1 555 0101", "support_hours": "Mon–Fri 8–18",
            "website_url": "https://ridge.example", "welcome_message": "Welcome to Ridge.", "footer_text": "Ridge Wireless · since 2001",
            "custom_css": ".card { border-width: 2px; }",
        ]
        fields.merge(changes) { $1 }
        return fields
    }

    func admin(_ app: TestApp, _ tenant: TestTenant) async throws -> Browser {
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let console = Browser(app: app, host: tenant.host)
        try await console.signInStaff(admin.email)
        return console
    }

    func version(_ tenant: TestTenant) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar("SELECT version FROM tenant_branding", as: Int.self)! }
    }

    @Test("contrast check: accepts legible pairs and refuses faint ones, naming the pair and the ratio")
    func contrastPairs() throws {
        var branding = Branding.defaults(companyName: "X")
        #expect(BrandingContrast.problems(branding).isEmpty, "the defaults are legible")
        branding.colorText = "#595959"  // 7.0:1 on white
        #expect(BrandingContrast.problems(branding).isEmpty)
        branding.colorText = "#767676"  // 4.54:1 on white: just passes AA
        #expect(BrandingContrast.problems(branding).isEmpty)
        branding.colorText = "#777777"  // 4.48:1: just fails
        let faint = BrandingContrast.problems(branding)
        #expect(faint.map(\.field) == ["color_text"])
        #expect(faint.first?.message.contains("#777777 on #ffffff has a contrast of 4.4:1; WCAG AA needs at least 4.5:1") == true)

        branding = Branding.defaults(companyName: "X")
        branding.colorPrimary = "#ffff00"  // yellow links on white
        #expect(BrandingContrast.problems(branding).map(\.field) == ["color_primary"])
        branding = Branding.defaults(companyName: "X")
        branding.colorAccent = "#dddddd"  // a progress bar that vanishes on white (1.4:1 < 3:1)
        #expect(BrandingContrast.problems(branding).map(\.field) == ["color_accent"])
        branding = Branding.defaults(companyName: "X")
        branding.colorBackground = "#1f2933"
        branding.colorText = "#1f2933"
        #expect(Set(BrandingContrast.problems(branding).map(\.field)).contains("color_text"))
    }

    @Test("an admin saves every field; the portal, branding.css and a second instance show it; the change is audited")
    func save() async throws {
        let tenant = try await TestTenant.create(name: "Plain Wireless")
        try await TestApp.with { (first: TestApp) async throws in
            try await TestApp.with { (second: TestApp) async throws in
                let console = try await admin(first, tenant)
                let before = try await second.get("/branding.css", host: tenant.host)
                let editor = try await console.get("/admin/branding")
                #expect(editor.status == .ok)
                #expect(editor.body.contains("id=\"brand-preview\""))
                let saved = try await console.post(
                    "/admin/branding", Self.form(version: try await version(tenant), ["color_primary": "#7B2D8E", "theme": "horizon"]))
                #expect(saved.status == .seeOther)
                #expect(saved.header("Location") == "/admin/branding?saved=1")

                let row = try await tenant.transaction { tx in try await tx.first("SELECT * FROM tenant_branding")!.decode(Branding.self) }
                #expect(row.companyName == "Ridge Wireless")
                #expect(row.colorPrimary == "#7b2d8e", "colours are stored normalised")
                #expect(row.supportEmail == "help@ridge.example")
                #expect(row.websiteUrl == "https://ridge.example")
                #expect(row.customCss == ".card { border-width: 2px; }")
                let theme = try await tenant.transaction { tx in
                    try await tx.scalar("SELECT theme FROM tenants WHERE id = \(tx.tenant)", as: String.self)
                }
                #expect(theme == "horizon")

                // The other instance, without restart: new colours, new ETag, new name and theme on the portal.
                try await eventually {
                    try await second.get("/branding.css", host: tenant.host).body.contains("--brand-primary: #7b2d8e")
                }
                let after = try await second.get("/branding.css", host: tenant.host)
                #expect(after.header("ETag") != before.header("ETag"))
                let home = try await second.get("/", host: tenant.host)
                #expect(home.body.contains("Ridge Wireless"))
                #expect(home.body.contains("/static/horizon/theme.css"))
                #expect(home.body.contains("/custom.css"))
                #expect(try await console.get("/admin/branding?saved=1").body.contains("Branding saved."))

                let audit = try await tenant.transaction { tx in
                    try await tx.first("SELECT details->>'fields' AS fields FROM audit_events WHERE action = 'branding.updated'")
                }
                let fields = try #require(try audit?.decode("fields", as: String.self))
                #expect(fields.contains("color_primary") && fields.contains("theme") && fields.contains("company_name"))
                #expect(!fields.contains("color_text"), "unchanged fields are not listed")
            }
        }
    }

    @Test("illegible colours, bad values and a stale form are refused with reasons; nothing is saved")
    func refusals() async throws {
        let tenant = try await TestTenant.create(name: "Careful Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            let start = try await version(tenant)
            try await console.get("/admin/branding")

            let faint = try await console.post("/admin/branding", Self.form(version: start, ["color_text": "#aaaaaa", "company_name": "Faint"]))
            #expect(faint.status == .unprocessableContent)
            #expect(faint.body.contains("Body text on the page background: #aaaaaa on #ffffff has a contrast of 2.3:1"))
            #expect(faint.body.contains("href=\"#field-color_text\""))
            #expect(faint.body.contains("value=\"Faint\""), "what was typed is kept")

            let bad = try await console.post(
                "/admin/branding",
                Self.form(
                    version: start,
                    [
                        "color_accent": "orange", "support_email": "not-an-email", "website_url": "javascript:alert(1)",
                        "custom_css": "@import url(https://evil.example/x.css);", "theme": "../../etc", "company_name": "",
                    ]))
            #expect(bad.status == .unprocessableContent)
            for text in [
                "Accent colour: use six hex digits", "Enter an email address", "Enter a full web address", "@import is not allowed",
                "Choose one of the themes listed", "Enter the name subscribers know you by",
            ] {
                #expect(bad.body.contains(text), "\(text)")
            }
            let tooLong = try await console.post("/admin/branding", Self.form(version: start, ["custom_css": String(repeating: "a", count: 50_001)]))
            #expect(tooLong.status == .unprocessableContent)

            // Another admin saved in between: this form is stale.
            try await tenant.transaction { tx in try await tx.execute("UPDATE tenant_branding SET footer_text = 'theirs', version = version + 1") }
            let stale = try await console.post("/admin/branding", Self.form(version: start))
            #expect(stale.status == .conflict)
            #expect(stale.body.contains("Someone saved the branding while you were editing"))

            let (name, footer, versionNow) = try await tenant.transaction { tx in
                let row = try await tx.first("SELECT company_name, footer_text, version FROM tenant_branding")!
                return (
                    try row.decode("company_name", as: String.self), try row.decode("footer_text", as: String.self),
                    try row.decode("version", as: Int.self)
                )
            }
            #expect(name == "Careful Wireless")
            #expect(footer == "theirs")
            #expect(versionNow == start + 1)
            let audits = try await tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'branding.updated'", as: Int.self)
            }
            #expect(audits == 0)
        }
    }

    @Test("the preview stylesheet is scoped to the preview and keeps saved colours for what does not parse")
    func previewStylesheet() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            let css = try await console.get("/admin/branding/preview.css?color_primary=%23aa0000&color_text=nonsense")
            #expect(css.status == .ok)
            #expect(css.header("Content-Type")?.hasPrefix("text/css") == true)
            #expect(css.body.hasPrefix(".brand-preview {"))
            #expect(!css.body.contains(":root"))
            #expect(css.body.contains("--brand-primary: #aa0000"))
            #expect(css.body.contains("--brand-text: #1f2933"), "an unparseable colour keeps the saved one")
            #expect(!css.body.contains("nonsense"))
        }
    }

    @Test("only admins of this tenant reach the editor")
    func roles() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        let technician = try await tenant.staff(role: .technician)
        let outsider = try await other.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let start = try await version(tenant)
            for member in [agent, technician] {
                let console = Browser(app: app, host: tenant.host)
                try await console.signInStaff(member.email)
                #expect(try await console.get("/admin/branding").status == .forbidden)
                #expect(try await console.get("/admin/branding/preview.css").status == .forbidden)
                #expect(try await console.post("/admin/branding", Self.form(version: start)).status == .forbidden)
            }
            let anonymous = try await Browser(app: app, host: tenant.host).get("/admin/branding")
            #expect(anonymous.header("Location")?.hasPrefix("/admin/login") == true)
            let subscriber = Browser(app: app, host: tenant.host)
            try await subscriber.signInCustomer(customer.email)
            #expect(try await subscriber.get("/admin/branding").header("Location")?.hasPrefix("/admin/login") == true)

            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(outsider.email)
            let replayed = Browser(app: app, host: tenant.host)
            replayed.setCookie("portico_session", foreign.cookie("portico_session"))
            #expect(try await replayed.get("/admin/branding").header("Location")?.hasPrefix("/admin/login") == true)
            #expect(try await version(tenant) == start)
        }
    }
}
