import Foundation
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Retention: each tenant's periods decide what maintenance removes — a record a day older
/// than its period goes, one a day younger stays, live records stay whatever their age, and
/// another tenant keeps its own periods. Admins set the periods (validated) and see what went.
@Suite("Data retention")
struct RetentionTests {
    /// One record of each kind, `days` old, tagged so the test finds exactly its own rows.
    static func plant(_ tenant: TestTenant, days: Int, tag: String, organization: UUID, endpoint: UUID, number: Int) async throws {
        try await tenant.transaction { tx in
            let age: SQL = "now() - make_interval(days => \(days))"
            try await tx.execute(
                """
                INSERT INTO audit_events (tenant_id, actor_kind, action, target_id, occurred_at)
                VALUES (\(tenant.id.rawValue), 'system', 'test.retention', \("\(tag)-\(days)"), \(age))
                """)
            for status in ["sent", "dead", "failed"] {
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status, created_at, sent_at)
                    VALUES (\(tenant.id.rawValue), 'test', \("\(tag)@example.net"), \("\(status)-\(days)"), 'Body',
                            \("\(UUID().uuidString)@example.net"), \(status), \(age), CASE WHEN \(status) = 'sent' THEN \(age) END)
                    """)
            }
            try await tx.execute(
                """
                INSERT INTO sessions (tenant_id, token_hash, principal_kind, principal_id, csrf_token, idle_timeout_seconds, expires_at, last_seen_at, user_agent)
                VALUES (\(tenant.id.rawValue), encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'customer', gen_random_uuid(), repeat('c', 43),
                        86400, \(age), \(age) - interval '1 hour', \("\(tag)-\(days)"))
                """)
            try await tx.execute(
                """
                INSERT INTO account_tokens (tenant_id, token_hash, kind, email, expires_at)
                VALUES (\(tenant.id.rawValue), encode(sha256(gen_random_uuid()::text::bytea), 'hex'), 'verify_email', \("\(tag)-\(days)@example.net"), \(age))
                """)
            // An untouched draft, and a submitted order of the same age (never retention's business).
            try await tx.execute(
                """
                INSERT INTO work_orders (tenant_id, number, organization_id, title, status, submitted_at, created_at, updated_at)
                VALUES (\(tenant.id.rawValue), \(number), \(organization), \("draft-\(days)"), 'draft', NULL, \(age), \(age)),
                       (\(tenant.id.rawValue), \(number + 1), \(organization), \("submitted-\(days)"), 'submitted', \(age), \(age), \(age))
                """)
            for status in ["delivered", "dead", "queued"] {
                try await tx.execute(
                    """
                    INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload, status, created_at, next_attempt_at)
                    VALUES (\(tenant.id.rawValue), \(endpoint), gen_random_uuid(), 'work_order.created', \("\(status)-\(days)"), \(status), \(age),
                            now() + interval '10 years')
                    """)
            }
        }
    }

    /// What is left of the planted rows, as "kind:days" labels.
    static func survivors(_ tenant: TestTenant, tag: String) async throws -> Set<String> {
        try await tenant.transaction { tx in
            var left: Set<String> = []
            for row in try await tx.rows("SELECT target_id FROM audit_events WHERE action = 'test.retention'") {
                left.insert("audit:" + (try row.decode("target_id", as: String.self)).replacingOccurrences(of: "\(tag)-", with: ""))
            }
            for row in try await tx.rows("SELECT subject FROM outbox WHERE recipient = \("\(tag)@example.net")") {
                left.insert("mail-" + (try row.decode("subject", as: String.self)).replacingOccurrences(of: "-", with: ":"))
            }
            for row in try await tx.rows("SELECT user_agent FROM sessions WHERE user_agent LIKE \("\(tag)-%")") {
                left.insert("session:" + (try row.decode("user_agent", as: String.self)).replacingOccurrences(of: "\(tag)-", with: ""))
            }
            for row in try await tx.rows("SELECT email FROM account_tokens WHERE email LIKE \("\(tag)-%")") {
                let email = try row.decode("email", as: String.self)
                left.insert("token:" + email.replacingOccurrences(of: "\(tag)-", with: "").replacingOccurrences(of: "@example.net", with: ""))
            }
            for row in try await tx.rows("SELECT title FROM work_orders WHERE title LIKE 'draft-%' OR title LIKE 'submitted-%'") {
                left.insert((try row.decode("title", as: String.self)).replacingOccurrences(of: "-", with: ":"))
            }
            for row in try await tx.rows("SELECT payload FROM webhook_deliveries") {
                left.insert("webhook-" + (try row.decode("payload", as: String.self)).replacingOccurrences(of: "-", with: ":"))
            }
            return left
        }
    }

    @discardableResult
    static func run(_ app: TestApp, _ tenant: TestTenant, batchSize: Int = 500) async throws -> [String: Int] {
        try await app.dependencies.retentionJob(batchSize: batchSize).run(tenant: tenant.id, slug: tenant.slug).removed
    }

    struct Setup {
        let tenant: TestTenant
        let organization: UUID
        let endpoint: UUID
    }

    static func setup() async throws -> Setup {
        let tenant = try await TestTenant.create()
        let (organization, _) = try await tenant.subscriber()
        let endpoint = try await tenant.transaction { tx in
            try #require(
                try await tx.scalar(
                    """
                    INSERT INTO webhook_endpoints (tenant_id, url, events, secret)
                    VALUES (\(tenant.id.rawValue), 'https://hooks.example.net/retention', '{work_order.created}', repeat('a', 64)) RETURNING id
                    """, as: UUID.self))
        }
        return Setup(tenant: tenant, organization: organization.id, endpoint: endpoint)
    }

    /// Every kind planted at each age, with the labels `survivors` reports.
    static func everything(_ ages: [Int]) -> Set<String> {
        var all: Set<String> = []
        for days in ages {
            all.formUnion([
                "audit:\(days)", "mail-sent:\(days)", "mail-dead:\(days)", "mail-failed:\(days)", "session:\(days)", "token:\(days)",
                "draft:\(days)", "submitted:\(days)", "webhook-delivered:\(days)", "webhook-dead:\(days)", "webhook-queued:\(days)",
            ])
        }
        return all
    }

    @Test(
        "each period removes what is a day older and keeps what is a day younger; another tenant's defaults hold; queued and submitted records stay")
    func boundaries() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let custom = try await Self.setup()
            let other = try await Self.setup()
            // Custom periods: audit 40, sent mail 10, undelivered 20, sessions 2, tokens 3, drafts 50, delivered webhooks 5, dead webhooks 15.
            try await custom.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO tenant_settings (tenant_id, retain_audit_days, retain_sent_mail_days, retain_undelivered_mail_days, retain_ended_sessions_days,
                                                 retain_expired_tokens_days, retain_drafts_days, retain_delivered_webhooks_days, retain_dead_webhooks_days)
                    VALUES (\(custom.tenant.id.rawValue), 40, 10, 20, 2, 3, 50, 5, 15)
                    ON CONFLICT (tenant_id) DO UPDATE SET retain_audit_days = 40, retain_sent_mail_days = 10, retain_undelivered_mail_days = 20,
                        retain_ended_sessions_days = 2, retain_expired_tokens_days = 3, retain_drafts_days = 50,
                        retain_delivered_webhooks_days = 5, retain_dead_webhooks_days = 15
                    """)
            }
            let ages = [1, 4, 6, 9, 11, 14, 16, 19, 21, 39, 41, 49, 51]
            for setup in [custom, other] {
                for (index, days) in ages.enumerated() {
                    try await Self.plant(
                        setup.tenant, days: days, tag: "rt", organization: setup.organization, endpoint: setup.endpoint,
                        number: 5000 + index * 2)
                }
            }
            // Other suites' maintenance sweeps (every tenant) may run at the same moment and take
            // part of the work: what went is checked through the records every pass writes.
            try await Self.run(app, custom.tenant)
            try await Self.run(app, other.tenant)

            var expected = Self.everything(ages)
            for days in ages {
                if days > 40 { expected.remove("audit:\(days)") }
                if days > 10 { expected.remove("mail-sent:\(days)") }
                if days > 20 { expected.remove("mail-dead:\(days)"); expected.remove("mail-failed:\(days)") }
                if days > 2 { expected.remove("session:\(days)") }
                if days > 3 { expected.remove("token:\(days)") }
                if days > 50 { expected.remove("draft:\(days)") }
                if days > 5 { expected.remove("webhook-delivered:\(days)") }
                if days > 15 { expected.remove("webhook-dead:\(days)") }
            }
            #expect(try await Self.survivors(custom.tenant, tag: "rt") == expected)

            // The other tenant, on defaults: sent mail 30, undelivered 90, sessions 0, tokens 7, the rest far away.
            var defaults = Self.everything(ages)
            for days in ages {
                if days > 30 { defaults.remove("mail-sent:\(days)") }
                defaults.remove("session:\(days)")
                if days > 7 { defaults.remove("token:\(days)") }
                if days > 30 { defaults.remove("webhook-delivered:\(days)") }
            }
            #expect(try await Self.survivors(other.tenant, tag: "rt") == defaults)

            // Hand-counted from `ages`: e.g. 41, 49, 51 are past 40 days; 11 … 51 past 10 (9 ages);
            // 21 … 51 past 20 (5 ages, dead and failed mail).
            #expect(
                try await Self.recorded(custom.tenant) == [
                    "audit_events": 3, "sent_mail": 9, "undelivered_mail": 10, "sessions": 12, "tokens": 12, "drafts": 1,
                    "delivered_webhooks": 11, "dead_webhooks": 7,
                ])
            #expect(try await Self.recorded(other.tenant) == ["sent_mail": 4, "sessions": 13, "tokens": 10, "delivered_webhooks": 4])

            // A second pass finds nothing more.
            #expect(try await Self.run(app, custom.tenant).isEmpty)
        }
    }

    /// What the passes recorded for the tenant's admins, summed by kind.
    static func recorded(_ tenant: TestTenant) async throws -> [String: Int] {
        try await tenant.transaction { tx in
            var sums: [String: Int] = [:]
            for row in try await tx.rows("SELECT key, sum(value::int)::int AS n FROM retention_runs, jsonb_each_text(removed) GROUP BY key") {
                sums[try row.decode("key", as: String.self)] = try row.decode("n", as: Int.self)
            }
            return sums
        }
    }

    @Test("batches: more rows than one batch are all removed, a batch at a time")
    func batches() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let setup = try await Self.setup()
            try await setup.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status, created_at, sent_at)
                    SELECT \(setup.tenant.id.rawValue), 'test', 'bulk@example.net', 'Bulk', 'Body', 'bulk-' || n || '@example.net', 'sent',
                           now() - interval '31 days', now() - interval '31 days'
                      FROM generate_series(1, 25) n
                    """)
            }
            let report = try await Self.run(app, setup.tenant, batchSize: 10)
            // Three rounds of at most 10 (unless a concurrent sweep of every tenant got there first).
            #expect(report.isEmpty || report["sent_mail"] == 25)
            #expect(try await Self.recorded(setup.tenant) == ["sent_mail": 25])
            #expect(try await setup.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM outbox", as: Int.self) } == 0)
        }
    }

    @Test("admins set the periods: out-of-range, empty and non-numeric values are refused with the bounds; saved values are audited and shown")
    func settingsPage() async throws {
        let setup = try await Self.setup()
        let admin = try await setup.tenant.staff(role: .admin)
        let agent = try await setup.tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: setup.tenant.host)
            #expect(try await browser.signInStaff(admin.email).status == .seeOther)
            let page = try await browser.get("/admin/settings/retention")
            #expect(page.status == .ok)
            #expect(page.body.contains("value=\"365\""))  // the audit log's default
            #expect(try await browser.get("/admin/settings").body.contains("Data retention"))

            var fields = [
                "audit_days": "29", "sent_mail_days": "", "undelivered_mail_days": "ninety", "ended_sessions_days": "0",
                "expired_tokens_days": "7", "drafts_days": "365", "delivered_webhooks_days": "30", "dead_webhooks_days": "366",
            ]
            let refused = try await browser.post("/admin/settings/retention", fields)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("Audit log: enter a whole number of days from 30 to 3650 (not “29”)."))
            #expect(refused.body.contains("Delivered emails: enter a whole number of days from 1 to 365."))
            #expect(refused.body.contains("Undelivered emails: enter a whole number of days from 7 to 365 (not “ninety”)."))
            #expect(refused.body.contains("Dead webhooks: enter a whole number of days from 7 to 365 (not “366”)."))
            let unchanged = try await setup.tenant.transaction { tx in
                try await tx.scalar("SELECT retain_audit_days FROM tenant_settings", as: Int.self)
            }
            #expect(unchanged == nil || unchanged == 365)

            fields = [
                "audit_days": "400", "sent_mail_days": "14", "undelivered_mail_days": "60", "ended_sessions_days": "1",
                "expired_tokens_days": "7", "drafts_days": "365", "delivered_webhooks_days": "30", "dead_webhooks_days": "90",
            ]
            let saved = try await browser.post("/admin/settings/retention", fields)
            #expect(saved.status == .ok)
            #expect(saved.body.contains("Retention periods saved"))
            #expect(saved.body.contains("value=\"400\""))
            let (stored, audit) = try await setup.tenant.transaction { tx in
                (
                    try await tx.scalar(
                        "SELECT retain_audit_days || ',' || retain_sent_mail_days || ',' || retain_ended_sessions_days FROM tenant_settings",
                        as: String.self),
                    try await tx.scalar("SELECT details::text FROM audit_events WHERE action = 'settings.retention_changed'", as: String.self)
                )
            }
            #expect(stored == "400,14,1")
            #expect(audit?.contains("365 → 400") == true)

            let agentBrowser = Browser(app: app, host: setup.tenant.host)
            #expect(try await agentBrowser.signInStaff(agent.email).status == .seeOther)
            try await agentBrowser.get("/admin")
            #expect(try await agentBrowser.get("/admin/settings/retention").status == .forbidden)
            try await agentBrowser.get("/admin")  // a page with the form token: the refusal is the role's
            #expect(try await agentBrowser.post("/admin/settings/retention", fields.merging(["audit_days": "30"]) { $1 }).status == .forbidden)
        }
    }
}
