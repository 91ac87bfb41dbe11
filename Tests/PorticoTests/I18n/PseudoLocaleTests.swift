import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// The converted pages rendered with a pseudo-locale (`en-XA`, test only): every catalog text
/// wrapped in ⟦ ⟧. Any visible text left outside the brackets that is not the test's own data is
/// a string a template or view still hard-codes.
@Suite("Pseudo-locale: converted pages show only catalog texts")
struct PseudoLocaleTests {
    static func pseudo() throws -> MessageCatalogs {
        let english = try #require(try MessageCatalogTests.shipped().catalogs[.en])
        let wrapped = english.messages.mapValues { message -> MessageCatalog.Message in
            switch message {
            case .text(let text): .text("⟦\(text)⟧")
            case .plural(let forms): .plural(forms.mapValues { "⟦\($0)⟧" })
            }
        }
        return MessageCatalogs(
            catalogs: Dictionary(
                uniqueKeysWithValues: Language.allCases.map {
                    ($0, MessageCatalog(language: $0, messages: wrapped))
                }))
    }

    /// Visible text of a page: text nodes of the body and the person-facing attributes.
    static func visibleTexts(_ html: String) -> [String] {
        var body = html
        if let start = body.range(of: "<body") { body = String(body[start.lowerBound...]) }
        for tag in ["script", "style"] {
            body = body.replacing(try! Regex("(?s)<\(tag)[^>]*>.*?</\(tag)>"), with: "")
        }
        var texts: [String] = []
        for match in body.matches(of: try! Regex(#"(?:aria-label|placeholder|alt|title)="([^"]*)""#)) {
            texts.append(String(body[match.output[1].range!]))
        }
        texts += body.replacing(try! Regex("<[^>]*>"), with: "\n").split(separator: "\n").map(String.init)
        return texts.map {
            $0.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&#x27;", with: "'")
                .replacingOccurrences(of: "&quot;", with: "\"").trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    /// `leftover` for console pages: also long day headings (the calendar's; `DateFormats` is
    /// still English), an error page's reference and an authenticator's key and link, which are data.
    static func consoleLeftover(_ text: String, data: [String]) -> String {
        // Machine values the console shows as they are: hosts and URLs, API paths and key
        // prefixes, DNS records and tokens, audit action codes, an access code, and the
        // import's lists of recognised column names.
        if text.wholeMatch(of: try! Regex(#"[a-z_]+(, [a-z_]+)+"#)) != nil { return "" }
        var rest = text.replacing(try! Regex(#"(otpauth|https?)://[^\s⟧]+|[^\s⟦]+\.localhost[^\s⟧]*|/api/v1/[^\s⟧]*|pk_[^\s⟧]+"#), with: " ")
        for value in data.sorted(by: { $0.count > $1.count }) { rest = rest.replacingOccurrences(of: value, with: " ") }
        rest = rest.replacing(
            try! Regex(#"portico-verify=\S+|_portico-challenge\.\S*|\b[a-z_]+(\.[a-z_]+)+\b|\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}\b"#), with: " ")
        rest = rest.replacingOccurrences(of: "Authorization: Bearer &lt;key&gt;", with: " ")
        rest = rest.replacing(
            try! Regex(
                #"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"#
            ), with: " ")
        // A letter's access code (`SecureRandom.humanCode`, shown in groups: "GAQH-6MBJ-R8"): random data.
        rest = rest.replacing(try! Regex(#"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}\b"#), with: " ")
        rest = rest.replacing(try! Regex(#"\b[0-9a-f]{8}\b|\b[A-Z2-7]{4}\b"#), with: " ")
        return leftover(rest, data: data)
    }

    /// What is left of a text once catalog texts, the test's data and dates are taken out.
    /// The pseudo-locale is English underneath, so dates come out in Portico's English layout
    /// (`DisplayDate`); they are matched by shape here, not by words. The fixture tenant's zone is UTC, whose
    /// short name Foundation gives as GMT: data, like the dates it follows.
    static func leftover(_ text: String, data: [String]) -> String {
        // Innermost first: a catalog text can carry another (a status name inside a sentence).
        var rest = text
        while rest.contains(try! Regex("⟦[^⟦⟧]*⟧")) { rest = rest.replacing(try! Regex("⟦[^⟦⟧]*⟧"), with: " ") }
        for value in data.sorted(by: { $0.count > $1.count }) { rest = rest.replacingOccurrences(of: value, with: " ") }
        rest = rest.replacing(
            try! Regex(#"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"#), with: " ")
        rest = rest.replacing(try! Regex(#"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?|\d{2}:\d{2}|UTC|GMT"#), with: " ")
        return rest.filter(\.isLetter)
    }

    @Test("every portal page: public, account and signed-in pages (with orders, a visit, many tasks, equipment, FAQ, notices)")
    func portalPages() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Zed")
        try await tenant.transaction { tx in
            for index in 1...6 {
                _ = try await Repositories.postgres.tasks.create(
                    NewTask(organizationId: fixture.organization.id, title: "Zed's task \(index)"), in: tx)
            }
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(model: "LiteBeam 5AC", serial: "SN42", mac: "00:27:22:aa:bb:cc", installedOn: "2024-03-01"),
                to: fixture.organization.id, in: tx)
            try await tx.execute("INSERT INTO faq_entries (tenant_id, question, answer) VALUES (\(tx.tenant), 'Zed question?', 'Zed answer.')")
            try await tx.execute(
                """
                INSERT INTO service_notices (tenant_id, kind, title, body, starts_at, ends_at)
                VALUES (\(tx.tenant), 'outage', 'Zed outage', 'Zed body', now() - interval '1 hour', now() + interval '1 hour'),
                       (\(tx.tenant), 'maintenance', 'Zed works', 'Zed body', now() + interval '2 days', now() + interval '3 days')
                """)
        }
        let order = fixture.orderNumber
        let appointment = fixture.appointmentID.uuidString.lowercased()
        // The test's own data, which pages show as it is.
        let data = [
            "Quorra Net", fixture.customer.name, fixture.customer.email, fixture.customer.phone, "Zed's order", "Zed's task", "Zed question?",
            "Zed answer.", "Zed outage", "Zed works", "Zed body", "household", "1 Test Lane", fixture.organization.accountNumber,
            "LiteBeam 5AC", "SN42", "00:27:22:aa:bb:cc", "Other",
            // A history reason stored with the change when the order was made (data, not a page text).
            "Created", "#", ".ics", "CSV", "MAC", "JPEG, PNG, HEIC, WebP", "PDF", "DXF, DWG", "MB", "Mo",
        ]
        try await TestApp.with(catalogs: try Self.pseudo()) { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            var pages: [(String, HTTPTestResponse)] = []
            for path in ["/", "/portal/login", "/portal/register", "/portal/forgot-password", "/status"] {
                pages.append((path, try await browser.get(path)))
            }
            try await browser.signInCustomer(fixture.customer.email)
            for path in [
                "/portal", "/portal/work-orders", "/portal/work-orders/\(order)", "/portal/work-orders/\(order)/history",
                "/portal/work-orders/new", "/portal/appointments", "/portal/appointments/\(appointment)", "/portal/tasks",
                "/portal/notes", "/portal/service", "/portal/support", "/portal/support?q=nothing-matches", "/portal/profile",
            ] {
                pages.append((path, try await browser.get(path)))
            }
            // Reached from an email: the unsubscribe link (GET, then the button); and what the
            // profile's data-rights forms answer.
            let key = "pseudo-unsubscribe-key-0123456789"
            try await tenant.transaction { tx in
                try await tx.execute("UPDATE customers SET unsubscribe_key = \(key) WHERE id = \(fixture.customer.id)")
            }
            let unsubscribe = "/portal/unsubscribe/\(fixture.customer.id.uuidString.lowercased())/work_orders/\(key)"
            pages.append((unsubscribe, try await browser.get(unsubscribe)))
            pages.append(("\(unsubscribe) (POST)", try await browser.post(unsubscribe, [:])))
            pages.append(("/portal/profile/deletion", try await browser.post("/portal/profile/deletion", ["reason": "Moving"])))
            pages.append(("/portal/profile/deletion (again)", try await browser.post("/portal/profile/deletion", ["reason": "Moving"])))
            pages.append(("/portal/profile/deletion/withdraw", try await browser.post("/portal/profile/deletion/withdraw", [:])))
            pages.append(("/portal/profile/deletion/withdraw (none)", try await browser.post("/portal/profile/deletion/withdraw", [:])))
            for (path, page) in pages {
                #expect(page.status == .ok, "\(path)")
                for text in Self.visibleTexts(page.body) where !Self.leftover(text, data: data).isEmpty {
                    Issue.record("\(path) shows text not from the catalog: \(text)")
                }
            }
            #expect(pages.first { $0.0 == "/portal" }?.1.body.contains("⟦2 more tasks⟧") == true)
        }
    }

    /// A help text over the limit, kept in the form that refuses it (data, not a page text).
    static let longHelp = String(repeating: "h", count: 501)

    /// The console pages converted so far (issue 17): the rest still show literal English and
    /// join this list as they are converted.
    static let convertedConsolePages = [
        "/admin", "/admin/account", "/admin/tasks", "/admin/tasks?status=all", "/admin/work-orders", "/admin/work-orders?status=submitted&sort=due",
        "/admin/appointments", "/admin/appointments?view=week", "/admin/customers", "/admin/customers?q=Zed",
        "/admin/customers/invitations?access=not_invited", "/admin/customers/new", "/admin/outbox", "/admin/outbox?status=dead",
        "/admin/staff", "/admin/api-keys", "/admin/audit", "/admin/domains", "/admin/deletion-requests", "/admin/settings/notifications",
        "/admin/export", "/admin/import",
        "/admin/settings", "/admin/settings/faq", "/admin/settings/categories", "/admin/settings/notices",
        "/admin/settings/languages", "/admin/settings/time-zone", "/admin/settings/security", "/admin/settings/api-access",
        "/admin/settings/api-access?done=saved", "/admin/settings/retention", "/admin/webhooks", "/admin/branding",
        "/admin/branding?saved=1", "/admin/reports",
    ]

    @Test("converted console pages: sign-in, two-factor code, command centre, my account, tasks (with an order, a visit and tasks)")
    func consolePages() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        try await PortalLanguageTests.offer(tenant, ["en", "es"])
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Zed")
        let admin = try await tenant.staff(role: .admin, name: "Yuri Admin")
        let technician = try await tenant.staff(role: .technician, name: "Yuri Tech")
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE work_orders SET due_date = current_date - 1 WHERE tenant_id = \(tx.tenant)")
            // A maintenance run the retention page lists ("1 audit entry, 3 delivered emails").
            try await tx.execute(
                "INSERT INTO retention_runs (tenant_id, removed, total) VALUES (\(tx.tenant), '{\"audit_events\": 1, \"sent_mail\": 3}', 4)")
            let order = try await tx.scalar("SELECT id FROM work_orders WHERE tenant_id = \(tx.tenant)", as: UUID.self)
            _ = try await Repositories.postgres.tasks.create(
                NewTask(organizationId: fixture.organization.id, workOrderId: order, title: "Zed's other task", dueDate: "2024-01-02"), in: tx)
        }
        let data = [
            "Quorra Net", "Yuri Admin", "Yuri Tech", admin.email, technician.email, fixture.customer.name, fixture.customer.email,
            fixture.organization.name, fixture.organization.accountNumber, "Zed's order", "Zed's task", "Zed's other task",
            // A history reason stored with the change when the order was made (data, not a page text).
            "Created", "%",
            "Zed category", Self.longHelp, "Zed notice", "Mars/Olympus", "English", "Español", "Português (Brasil)", "Français", "household",
            "1 Test Lane", "MAC",
            "#", "·", "—", "(", ")", "✓", "✗", "←", "→",
            // An origin typed into the API access form, shown again with the reason it is refused.
            "ftp://app.example.com",
            // The webhook headers a receiver checks, and the second theme's name.
            "Portico-Signature", "Portico-Delivery", "Horizon",
        ]
        try await TestApp.with(catalogs: try Self.pseudo()) { (app: TestApp) async throws in
            var pages: [(String, HTTPTestResponse)] = []
            let signedOut = Browser(app: app, host: tenant.host)
            pages.append(("/admin/login", try await signedOut.get("/admin/login")))
            pages.append(("/admin/login?ready=1", try await signedOut.get("/admin/login?ready=1")))
            let failed = try await signedOut.post("/admin/login", ["email": admin.email, "password": "wrong password"])
            #expect(failed.status == .unauthorized)
            pages.append(("/admin/login (failed)", failed))

            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInStaff(admin.email)
            let appointment = "/admin/appointments/\(fixture.appointmentID.uuidString.lowercased())"
            for path in Self.convertedConsolePages + [
                "/admin/work-orders/\(fixture.orderNumber)", "/admin/work-orders/new", appointment, "/admin/appointments/new",
                "/admin/customers/\(fixture.organization.id.uuidString.lowercased())",
            ] {
                pages.append((path, try await browser.get(path)))
            }
            let tech = Browser(app: app, host: tenant.host)
            try await tech.signInStaff(technician.email)
            pages.append(("/admin (technician)", try await tech.get("/admin")))
            let forbidden = try await tech.get("/admin/tasks")
            #expect(forbidden.status == .forbidden)
            pages.append(("/admin/tasks (technician, 403)", forbidden))
            let enrol = try await browser.post("/admin/account/totp/start", [:])
            pages.append(("/admin/account/totp/start", enrol))
            let badCategory = try await browser.post("/admin/settings/categories", ["name": " ", "help_text": Self.longHelp])
            #expect(badCategory.status == .unprocessableContent)
            pages.append(("/admin/settings/categories (invalid)", badCategory))
            try await browser.post("/admin/settings/categories", ["name": "Zed category"])
            let category = try #require(
                try await tenant.transaction { tx in
                    try await tx.scalar("SELECT id FROM work_order_categories WHERE tenant_id = \(tx.tenant)", as: UUID.self)
                })
            for path in ["/admin/settings/categories?done=added", "/admin/settings/categories/\(category.uuidString.lowercased())"] {
                pages.append((path, try await browser.get(path)))
            }
            let badNotice = try await browser.post("/admin/settings/notices", ["kind": "party", "title": "", "starts_at": "soon"])
            #expect(badNotice.status == .unprocessableContent)
            pages.append(("/admin/settings/notices (invalid)", badNotice))
            try await browser.post("/admin/settings/notices", ["kind": "outage", "title": "Zed notice"])
            let notice = try #require(
                try await tenant.transaction { tx in
                    try await tx.scalar("SELECT id FROM service_notices WHERE tenant_id = \(tx.tenant)", as: UUID.self)
                })
            let noticePath = "/admin/settings/notices/\(notice.uuidString.lowercased())"
            pages.append(("/admin/settings/notices?done=added", try await browser.get("/admin/settings/notices?done=added")))
            pages.append((noticePath, try await browser.get(noticePath)))
            try await browser.post("\(noticePath)/resolve", [:])
            pages.append(("\(noticePath) (resolved)", try await browser.get(noticePath)))
            let badLanguages = try await browser.post("/admin/settings/languages", ["default_language": "xx", "offered": "yy"])
            #expect(badLanguages.status == .unprocessableContent)
            pages.append(("/admin/settings/languages (invalid)", badLanguages))
            let badZone = try await browser.post("/admin/settings/time-zone", ["time_zone": "Mars/Olympus"])
            #expect(badZone.status == .unprocessableContent)
            pages.append(("/admin/settings/time-zone (invalid)", badZone))
            let badSecurity = try await browser.post(
                "/admin/settings/security",
                ["staff_idle_minutes": "0", "customer_idle_hours": "x", "remember_me_days": "999", "require_staff_totp": "maybe"])
            #expect(badSecurity.status == .unprocessableContent)
            pages.append(("/admin/settings/security (invalid)", badSecurity))
            // Every way an origin can be wrong, more than the five a message names at once.
            let badOrigins = try await browser.post(
                "/admin/settings/api-access",
                [
                    "origins": [
                        "https://app.example.com:0", "https://u:p@app.example.com", "https://app.example.com/portal", "http://app.example.com",
                        "https://192.0.2.10", "https://[::1]:8443", "https://app_example.com", "app.example.com", "*", "ftp://app.example.com",
                    ].joined(separator: "\n")
                ])
            #expect(badOrigins.status == .unprocessableContent)
            pages.append(("/admin/settings/api-access (invalid)", badOrigins))
            let tooManyOrigins = try await browser.post(
                "/admin/settings/api-access", ["origins": (1...21).map { "https://app\($0).example.com" }.joined(separator: "\n")])
            #expect(tooManyOrigins.status == .unprocessableContent)
            pages.append(("/admin/settings/api-access (too many)", tooManyOrigins))
            #expect(pages.first { $0.0 == "/admin/settings/retention" }?.1.body.contains("⟦1 audit entry⟧, ⟦3 delivered emails⟧") == true)
            let badRetention = try await browser.post("/admin/settings/retention", ["audit_days": "7", "sent_mail_days": ""])
            #expect(badRetention.status == .unprocessableContent)
            pages.append(("/admin/settings/retention (invalid)", badRetention))
            let badTask = try await browser.post("/admin/tasks", ["account": "no-such-account", "task_title": ""])
            #expect(badTask.status == .unprocessableContent)
            pages.append(("/admin/tasks (invalid)", badTask))

            for (path, page) in pages {
                #expect([.ok, .unauthorized, .forbidden, .unprocessableContent].contains(page.status), "\(path)")
                for text in Self.visibleTexts(page.body) where !Self.consoleLeftover(text, data: data).isEmpty {
                    Issue.record("\(path) shows text not from the catalog: \(text)")
                }
            }
        }
    }

    @Test("more console pages: staff recovery and invitation, view as, delete login, letter, API keys, domains, import steps")
    func moreConsolePages() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        let fixture = try await PortalIsolationTests.fixture(tenant, name: "Zed")
        let admin = try await tenant.staff(role: .admin, name: "Yuri Admin")
        let organization = fixture.organization.id.uuidString.lowercased()
        let member = fixture.customer.id.uuidString.lowercased()
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO deletion_requests (tenant_id, customer_id, organization_id, reason)
                VALUES (\(tx.tenant), \(fixture.customer.id), \(fixture.organization.id), 'Zed moved away')
                """)
        }
        let data = [
            "Quorra Net", "Yuri Admin", admin.email, fixture.customer.name, fixture.customer.email, fixture.organization.name,
            fixture.organization.accountNumber, "Zed's order", "Zed's task", "Zed moved away", "Zed sync", "portal.zed-example.net",
            "Deleted customer",
            "subscribers.csv", "Robin Roe", "robin@roe.example", "R-1", "Account Number", "Name", "Email", "household", "1 Test Lane",
            "TXT", "CNAME", "CSV", "UTF-8", "MB", "Mo", "API", "https://", "Authorization: Bearer <key>", "/api/v1/admin/…",
            "/api/v1/openapi.json", "2FA", "IP", "bad", "#", "·", "—", "(", ")", "←", "→", "…", "203.0.113.7", "U+2603", "\u{2603}.example.net",
            "\u{2603}",
            // Webhooks: the headers a receiver checks; branding: the second theme's name, the colours
            // a contrast problem names and the custom CSS typed into the refused form.
            "Portico-Signature", "Portico-Delivery", "Horizon", "#ffff00", "#ffffff", "@import url(x.css)",
        ]
        try await TestApp.with(catalogs: try Self.pseudo()) { (app: TestApp) async throws in
            var pages: [(String, HTTPTestResponse)] = []
            let signedOut = Browser(app: app, host: tenant.host)
            for path in ["/admin/reset-password?token=not-a-token", "/admin/invite/not-a-token", "/admin/forgot-password"] {
                pages.append((path, try await signedOut.get(path)))
            }
            pages.append(("/admin/forgot-password (sent)", try await signedOut.post("/admin/forgot-password", ["email": admin.email])))

            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInStaff(admin.email)
            for path in [
                "/admin/customers/\(organization)/view-as", "/admin/customers/\(organization)/members/\(member)/delete",
                "/admin/deletion-requests",
            ] {
                pages.append((path, try await browser.get(path)))
            }
            pages.append(("/admin/customers/…/access-code", try await browser.post("/admin/customers/\(organization)/access-code", [:])))
            _ = try await browser.get("/admin/staff")
            pages.append(("/admin/staff/invite (invalid)", try await browser.post("/admin/staff/invite", ["email": "nobody", "role": "agent"])))
            _ = try await browser.get("/admin/api-keys")
            pages.append(("/admin/api-keys (created)", try await browser.post("/admin/api-keys", ["name": "Zed sync", "scope": "write"])))
            pages.append(("/admin/api-keys (list)", try await browser.get("/admin/api-keys")))
            _ = try await browser.get("/admin/domains")
            pages.append(("/admin/domains (added)", try await browser.post("/admin/domains", ["domain": "portal.zed-example.net"])))
            for refused in ["203.0.113.7", "\u{2603}.example.net"] {
                _ = try await browser.get("/admin/domains")
                pages.append(("/admin/domains (refused \(refused))", try await browser.post("/admin/domains", ["domain": refused])))
            }
            for (name, file) in [("empty", [UInt8]()), ("pdf", Array("%PDF-1.7\n".utf8))] {
                _ = try await browser.get("/admin/import")
                pages.append(("/admin/import (refused \(name))", try await browser.upload("/admin/import", fileName: "\(name).csv", file: file)))
            }
            _ = try await browser.get("/admin/import")
            let upload = try await CSVTesting.upload(browser, "Account Number,Name,Email\r\nR-1,Robin Roe,robin@roe.example\r\n,,bad\r\n")
            let mapping = try await browser.get("/admin/import/\(upload)")
            pages.append(("/admin/import/… (mapping)", mapping))
            var form = ["mode": "dry_run"]
            for (index, field) in CSVTesting.proposedMapping(mapping.body) { form["map_\(index)"] = field }
            pages.append(("/admin/import/… (dry run)", try await browser.post("/admin/import/\(upload)", form)))

            // Webhooks: a refused URL and no events, then an endpoint with a delivered and a dead
            // delivery (one attempt answered, one not).
            _ = try await browser.get("/admin/webhooks")
            let badWebhook = try await browser.post(
                "/admin/webhooks", ["url": "https://127.0.0.1/hooks", "description": String(repeating: "x", count: 501)])
            #expect(badWebhook.status == .unprocessableContent)
            pages.append(("/admin/webhooks (invalid)", badWebhook))
            let badScheme = try await browser.post("/admin/webhooks", ["url": "ftp://hooks.zed-example.net/x", "event_work_order_created": "on"])
            #expect(badScheme.status == .unprocessableContent)
            pages.append(("/admin/webhooks (invalid scheme)", badScheme))
            let created = try await browser.post(
                "/admin/webhooks", ["url": "https://hooks.zed-example.net/portico", "event_work_order_created": "on"])
            let secret = try #require(created.body.firstMatch(of: try Regex(#"data-webhook-secret>([0-9a-f]{64})<"#))?.output[1].substring)
            for text in Self.visibleTexts(created.body) where !Self.consoleLeftover(text, data: data + [String(secret)]).isEmpty {
                Issue.record("/admin/webhooks (created) shows text not from the catalog: \(text)")
            }
            let endpoint = try await tenant.transaction { tx in
                let endpoint = try #require(try await tx.scalar("SELECT id FROM webhook_endpoints WHERE tenant_id = \(tx.tenant)", as: UUID.self))
                try await tx.execute(
                    """
                    INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload, status, attempts, delivered_at)
                    VALUES (\(tx.tenant), '00000000-0000-4000-8000-000000000001', \(endpoint), gen_random_uuid(), 'work_order.created', '{}',
                            'delivered', 1, now())
                    """)
                try await tx.execute(
                    """
                    INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload, status, attempts, last_status_code)
                    VALUES (\(tx.tenant), '00000000-0000-4000-8000-000000000002', \(endpoint), gen_random_uuid(), 'work_order.created', '{}',
                            'dead', 2, 500)
                    """)
                try await tx.execute(
                    """
                    INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, status_code, duration_ms)
                    VALUES (\(tx.tenant), '00000000-0000-4000-8000-000000000001', 1, 200, 12),
                           (\(tx.tenant), '00000000-0000-4000-8000-000000000002', 1, 500, 30),
                           (\(tx.tenant), '00000000-0000-4000-8000-000000000002', 2, NULL, 5000)
                    """)
                return endpoint.uuidString.lowercased()
            }
            let endpointPage = try await browser.get("/admin/webhooks/\(endpoint)?done=redelivered")
            #expect(endpointPage.body.contains("⟦Attempt 2 at"))
            #expect(endpointPage.body.contains("⟦Dead (gave up)⟧"))
            pages.append(("/admin/webhooks/… (deliveries)", endpointPage))
            pages.append(("/admin/webhooks (list)", try await browser.get("/admin/webhooks")))

            // Branding: a refused form (an illegible colour, bad values) and a refused SVG logo.
            _ = try await browser.get("/admin/branding")
            let badBranding = try await browser.post(
                "/admin/branding",
                [
                    "company_name": "", "color_primary": "#ffff00", "color_secondary": "#4b5563", "color_accent": "#b45309",
                    "color_background": "#ffffff", "color_text": "#1f2933", "support_email": "bad", "support_phone": "call me",
                    "website_url": "ftp://x", "theme": "nope", "custom_css": "@import url(x.css)",
                ])
            #expect(badBranding.status == .unprocessableContent)
            #expect(badBranding.body.contains("⟦⟦Links and outlined buttons (primary colour) on the page background⟧: #ffff00 on #ffffff"))
            pages.append(("/admin/branding (invalid)", badBranding))
            let badColour = try await browser.post(
                "/admin/branding",
                [
                    "company_name": "Quorra Net", "color_primary": "#1f5fbf", "color_secondary": "#4b5563", "color_accent": "#b45309",
                    "color_background": "#ffffff", "color_text": "zzz", "theme": "default",
                ])
            #expect(badColour.status == .unprocessableContent)
            pages.append(("/admin/branding (not a colour)", badColour))
            let badLogo = try await browser.upload(
                "/admin/branding/logo", fileName: "logo.svg", contentType: "image/svg+xml",
                file: Array("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect/></svg>".utf8))
            #expect(badLogo.status == .unprocessableContent)
            pages.append(("/admin/branding/logo (refused)", badLogo))

            for (path, page) in pages {
                #expect([.ok, .created, .notFound, .unprocessableContent, .unsupportedMediaType].contains(page.status), "\(path): \(page.status)")
                for text in Self.visibleTexts(page.body) where !Self.consoleLeftover(text, data: data).isEmpty {
                    Issue.record("\(path) shows text not from the catalog: \(text)")
                }
            }
        }
    }

    @Test("every email kind, subject, text and HTML, with the values its senders pass")
    func emails() async throws {
        let tenant = try await TestTenant.create(name: "Quorra Net")
        try await TestApp.with(catalogs: try Self.pseudo()) { (app: TestApp) async throws in
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else {
                Issue.record("no tenant"); return
            }
            let composer = EmailComposer(renderer: app.dependencies.renderer)
            // Every value any sender passes: the test's data as entered, and the texts senders
            // write in the recipient's language (`MailText`: status names, kinds, windows, roles).
            let start = Date(timeIntervalSince1970: 1_930_000_000)
            let values: [String: any Sendable] = [
                "actionUrl": resolved.url("/portal/x"), "newEmail": "zed@example.net", "emailChange": true, "number": 42, "title": "Zed's order",
                "status": MailText { WorkOrderStatus.inProgress.label.lowercased() }, "progress": 40,
                "eta": MailText { DisplayDate.date(start) }, "reason": "Zed reason", "author": "Zed Staff", "comment": "Zed comment",
                "kind": MailText { AppointmentKind.repair.label.lowercased() }, "when": MailText { DisplayDate.window(start, start + 7200) },
                "address": "1 Test Lane", "note": "Zed note", "technician": "Zed Tech", "day": MailText(key: "email.appointment_reminder.tomorrow"),
                "due": "2031-03-04", "details": "Zed details", "role": MailText(key: "email.role.agent"),
                "subjectLine": MailText(key: "email.staff_notice.task_done.subject", ["title": "Zed's order"]),
                "message": MailText(key: "email.staff_notice.task_done.message", ["customer": "Zed", "title": "Zed's order"]),
            ]
            let data = [
                "Quorra Net", "Zed", "zed@example.net", resolved.url("/portal/x"), resolved.url("/portal"), resolved.url("/status"), "Zed's order",
                "Zed reason", "Zed Staff", "Zed comment", "1 Test Lane", "Zed note", "Zed Tech", "Zed details",
            ]
            for kind in NotificationKind.allCases {
                let email = try Texts.$current.withValue(app.dependencies.renderer.catalogs.texts(.en)) {
                    try composer.compose(kind, tenant: resolved, recipientName: "Zed", values: values)
                }
                for text in [email.subject] + email.text.components(separatedBy: "\n") + Self.visibleTexts(email.html)
                where !Self.leftover(text, data: data).isEmpty {
                    Issue.record("\(kind.rawValue) shows text not from the catalog: \(text)")
                }
            }
        }
    }
}
