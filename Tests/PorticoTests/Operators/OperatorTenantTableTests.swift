import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Operator console: the tenant table and platform health")
struct OperatorTenantTableTests {

    static func row(of slug: String, in page: String) -> String? {
        guard let start = page.range(of: "<span class=\"muted\">\(slug)</span>") else { return nil }
        let rest = page[start.upperBound...]
        return rest.range(of: "</tr>").map { String(rest[..<$0.lowerBound]) }
    }

    @Test("each tenant has exactly the action its state allows; a stale action changes and audits nothing")
    func oneActionPerState() async throws {
        let active = try await TestTenant.create(name: "Still Active")
        let suspended = try await TestTenant.create(name: "Already Suspended")
        try await TestCluster.database().appPool.query("UPDATE tenants SET status = 'suspended' WHERE id = \(suspended.id)")
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await OperatorFixture.signedIn(app).browser
            let page = try await console.get("/operator")
            let activeRow = try #require(Self.row(of: active.slug, in: page.body))
            #expect(activeRow.contains("/operator/tenants/\(active.slug)/suspend"))
            #expect(!activeRow.contains("/resume"))
            let suspendedRow = try #require(Self.row(of: suspended.slug, in: page.body))
            #expect(suspendedRow.contains("/operator/tenants/\(suspended.slug)/resume"))
            #expect(!suspendedRow.contains("/suspend\""))

            // A page opened before someone else resumed it: nothing happens, and it says so.
            let stale = try await console.post("/operator/tenants/\(active.slug)/resume")
            #expect(stale.status == .ok)
            #expect(stale.body.contains("\(active.slug) is already active: nothing changed."))
            let audited = try await active.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action LIKE 'tenant.%'", as: Int.self)
            }
            #expect(audited == 0)
            #expect(try await console.post("/operator/tenants/no-such-tenant-here/suspend").status == .notFound)
        }
    }

    @Test("the health panel: tenants by state, outbox and webhook backlogs with the oldest wait, the database and the version")
    func healthPanel() async throws {
        let tenant = try await TestTenant.create()
        _ = try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, created_at, next_attempt_at)
                VALUES (\(tenant.id), 'test', 'late@example.net', 'Hello', 'Body', \("health-\(UUID().uuidString)@x"),
                        now() - interval '2 hours', now() + interval '1 day')
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await OperatorFixture.signedIn(app).browser
            // Tests running beside this one create, suspend and delete tenants while the page is
            // rendered, so its figures are checked for consistency (the badges add up to the total)
            // and against the counts taken just before and after, with room for those changes.
            func counts() async throws -> [String: Int] {
                let rows = try await TestCluster.database().appPool.query("SELECT status, count(*)::int AS n FROM tenants GROUP BY status").rows
                return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode("status", as: String.self), try $0.decode("n", as: Int.self)) })
            }
            let before = try await counts()
            let page = try await console.get("/operator")
            let after = try await counts()
            #expect(page.body.contains("Platform health"))
            let tenantsLine = try #require(page.body.firstMatch(of: /<dt>Tenants<\/dt><dd><strong>(\d+)<\/strong>(.*?)<\/dd>/))
            let badges = tenantsLine.output.2.matches(of: /<span class="badge badge--(\w+)">(\d+) (\w+)<\/span>/)
            let shown = Dictionary(uniqueKeysWithValues: badges.map { (String($0.output.1), Int($0.output.2)!) })
            #expect(badges.allSatisfy { $0.output.1 == $0.output.3 })
            #expect(shown.values.reduce(0, +) == Int(tenantsLine.output.1), "the badges add up to the total")
            let slack = 10
            for status in Set(before.keys).union(after.keys).union(shown.keys) {
                let low = min(before[status] ?? 0, after[status] ?? 0), high = max(before[status] ?? 0, after[status] ?? 0)
                if low > slack { #expect(shown[status] != nil, "\(status) has \(low) or more tenants but no badge") }
                if let n = shown[status] { #expect((low - slack)...(high + slack) ~= n && n > 0, "\(status): \(n) shown, \(low)–\(high) counted") }
            }
            #expect((shown["active"] ?? 0) >= 1)
            // The queued message above waits two hours (or a row of a concurrent test waits longer).
            let outbox = try #require(page.body.range(of: "<dt>Email outbox</dt>").map { String(page.body[$0.upperBound...].prefix(300)) })
            #expect(outbox.contains("waiting, oldest "))
            #expect(outbox.contains(" h ") || outbox.contains("day"))
            #expect(page.body.contains("<dt>Webhooks</dt>"))
            #expect(page.body.contains("Reachable, answered in "))
            #expect(page.body.contains("(PostgreSQL 15"))
            #expect(page.body.contains("<dt>Version</dt><dd>Portico "))
        }
        // Done with it: no other suite should meet a two-hour-old queued message.
        _ = try await tenant.transaction { tx in
            try await tx.execute("UPDATE outbox SET status = 'sent', sent_at = now() WHERE recipient = 'late@example.net'")
        }
    }
}
