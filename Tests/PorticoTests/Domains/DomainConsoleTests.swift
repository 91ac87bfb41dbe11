import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Helpers shared by the domain suites.
enum DomainTestSupport {
    /// A domain no other test uses.
    static func uniqueDomain(_ tenant: TestTenant, prefix: String = "portal") -> String {
        "\(prefix).\(tenant.slug)-\(UUID().uuidString.prefix(6).lowercased()).example.net"
    }

    static func token(_ domain: String, of tenant: TestTenant) async throws -> String {
        try #require(
            try await tenant.transaction { tx in
                try await tx.scalar(
                    """
                    SELECT verification_token FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND domain = \(domain)
                    """, as: String.self)
            })
    }

    static func row(_ domain: String, of tenant: TestTenant) async throws -> (verified: Bool, primary: Bool)? {
        try await tenant.transaction { tx in
            try await tx.first(
                """
                SELECT verified_at IS NOT NULL AS verified, is_primary FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND domain = \(domain)
                """
            ).map { (try $0.decode("verified", as: Bool.self), try $0.decode("is_primary", as: Bool.self)) }
        }
    }

    static func auditActions(_ tenant: TestTenant) async throws -> [String] {
        try await tenant.transaction { tx in
            try await Repositories.postgres.audit.list(AuditFilter(), limit: 200, offset: 0, in: tx).map(\.action)
        }
    }

    /// Adds `domain` through the console and verifies it with the right TXT record.
    static func addAndVerify(_ domain: String, console: Browser, tenant: TestTenant, dns: FakeDNSResolver) async throws {
        try await console.get("/admin/domains")
        let added = try await console.post("/admin/domains", ["domain": domain])
        #expect(added.status == .ok, "adding \(domain): \(added.body.prefix(300))")
        let token = try await token(domain, of: tenant)
        dns.set("_portico-challenge.\(domain)", .records([token]))
        let verified = try await console.post("/admin/domains/\(domain)/verify")
        #expect(verified.status == .ok)
        #expect(verified.body.contains("is verified and active"))
    }

    /// The host of the link in the latest password-reset email to `email`.
    static func resetLinkHost(_ email: String, tenant: TestTenant) async throws -> String? {
        let mail = try await TestMailbox.latest(to: email, tenant: tenant.id, kind: "reset_password")
        return mail?.link.flatMap { URLComponents(string: $0)?.host }
    }
}

@Suite("Custom domains in the staff console")
struct DomainConsoleTests {
    @Test(
        "add → TXT record shown → verify: missing record, wrong value, DNS error, right value → the domain resolves on every instance within a second"
    )
    func addAndVerify() async throws {
        let tenant = try await TestTenant.create(name: "Domain Wireless")
        let admin = try await tenant.staff(role: .admin)
        let dns = FakeDNSResolver()
        let domain = DomainTestSupport.uniqueDomain(tenant)
        let record = "_portico-challenge.\(domain)"
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            try await TestApp.with { (second: TestApp) async throws in
                let console = Browser(app: app, host: tenant.host)
                try await console.signInStaff(admin.email)
                let page = try await console.get("/admin/domains")
                #expect(page.status == .ok)
                #expect(page.body.contains(tenant.host))
                #expect(page.body.contains("href=\"/admin/settings\" aria-current=\"page\""), "Domains live under Settings")

                // Typed with capitals and a trailing dot: stored normalised.
                let added = try await console.post("/admin/domains", ["domain": " \(domain.uppercased()). "])
                #expect(added.status == .ok)
                let token = try await DomainTestSupport.token(domain, of: tenant)
                #expect(token.hasPrefix("portico-verify="))
                #expect(added.body.contains(record))
                #expect(added.body.contains(token))
                #expect(added.body.contains("CNAME"))
                #expect(added.body.contains("<code class=\"break\">\(tenant.host)</code>"))
                #expect(added.body.contains("Waiting for DNS verification"))

                // Pending: resolves nowhere (and the second instance caches that).
                #expect(try await app.get("/", host: domain).status == .notFound)
                #expect(try await second.get("/", host: domain).status == .notFound)

                let missing = try await console.post("/admin/domains/\(domain)/verify")
                #expect(missing.status == .unprocessableContent)
                #expect(missing.body.contains("No TXT record was found at \(record)"))
                #expect(dns.queries.last == record)

                dns.set(record, .records(["portico-verify=someone-elses", "v=spf1 -all"]))
                let wrong = try await console.post("/admin/domains/\(domain)/verify")
                #expect(wrong.status == .unprocessableContent)
                #expect(wrong.body.contains("has a different value"))
                #expect(wrong.body.contains("portico-verify=someone-elses"))
                #expect(wrong.body.contains("v=spf1 -all"))
                #expect(wrong.body.contains(token))

                dns.set(record, .failure(.timedOut(seconds: 5)))
                let failed = try await console.post("/admin/domains/\(domain)/verify")
                #expect(failed.status == .badGateway)
                #expect(failed.body.contains("no answer from DNS within 5 seconds"))
                #expect(try await DomainTestSupport.row(domain, of: tenant)?.verified == false)
                #expect(try await app.get("/", host: domain).status == .notFound)

                // Right value among others (quotes a DNS console kept are forgiven).
                dns.set(record, .records(["v=spf1 -all", "\"\(token)\""]))
                let verified = try await console.post("/admin/domains/\(domain)/verify")
                #expect(verified.status == .ok)
                #expect(verified.body.contains("\(domain) is verified and active"))
                #expect(try await DomainTestSupport.row(domain, of: tenant)?.verified == true)

                // Delivery through NOTIFY is near-instant; the deadline leaves room for a loaded CI machine.
                try await eventually(timeout: .seconds(2)) { try await app.get("/", host: domain).status == .ok }
                try await eventually(timeout: .seconds(2)) { try await second.get("/", host: domain).status == .ok }
                #expect(try await second.get("/", host: domain).body.contains("Domain Wireless"))

                // Verifying again changes nothing.
                let again = try await console.post("/admin/domains/\(domain)/verify")
                #expect(again.body.contains("already verified"))

                let actions = try await DomainTestSupport.auditActions(tenant)
                #expect(actions.filter { $0 == "domain.added" }.count == 1)
                #expect(actions.filter { $0 == "domain.verified" }.count == 1)
            }
        }
    }

    @Test("bad domains are refused with a message naming the problem; duplicates are refused")
    func addValidation() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/domains")
            let cases: [(String, String)] = [
                ("", "enter a domain name"),
                ("https://portal.example.net/", "without https://"),
                ("\u{2603}.example.net", "which a domain name cannot hold"),
                ("portal example.net", "is not a domain name"),
                ("localhost-only", "is not a domain name"),
                ("203.0.113.7", "not an IP address"),
                ("\(tenant.slug)-x.localhost", "under the platform"),
                ("operator.localhost", "under the platform"),
                (String(repeating: "a", count: 64) + ".example.net", "is not a domain name"),
            ]
            for (input, message) in cases {
                let response = try await console.post("/admin/domains", ["domain": input])
                #expect(response.status == .unprocessableContent, "input \(input)")
                #expect(response.body.contains(message), "input \(input)")
                #expect(response.body.contains("href=\"#field-domain\""), "input \(input)")
            }
            #expect(try await DomainTestSupport.auditActions(tenant).filter { $0 == "domain.added" }.isEmpty)

            // An internationalised name is stored in its DNS (punycode) form, shown both ways.
            let unique = "i\(UUID().uuidString.prefix(6).lowercased())"
            let international = try await console.post("/admin/domains", ["domain": "Portal.\(unique).Bücher.example"])
            #expect(international.status == .ok)
            let ascii = "portal.\(unique).xn--bcher-kva.example"
            #expect(international.body.contains("portal.\(unique).bücher.example (in DNS: \(ascii)) was added"))
            #expect(international.body.contains("_portico-challenge.\(ascii)"))
            #expect(try await DomainTestSupport.row(ascii, of: tenant)?.verified == false)
            #expect(try await console.post("/admin/domains/\(ascii)/remove").status == .ok)
            let domain = DomainTestSupport.uniqueDomain(tenant)
            #expect(try await console.post("/admin/domains", ["domain": domain]).status == .ok)
            let duplicate = try await console.post("/admin/domains", ["domain": domain])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.body.contains("already on your list"))
            let count = try await tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM tenant_domains WHERE tenant_id = \(tx.tenant)", as: Int.self)
            }
            #expect(count == 1)
        }
    }

    @Test("several tenants may add the same pending domain; only one can verify it, and then nobody else can add or verify it")
    func oneTenantWins() async throws {
        let first = try await TestTenant.create(name: "First Claim")
        let second = try await TestTenant.create(name: "Second Claim")
        let firstAdmin = try await first.staff(role: .admin)
        let secondAdmin = try await second.staff(role: .admin)
        let third = try await TestTenant.create(name: "Third Claim")
        let thirdAdmin = try await third.staff(role: .admin)
        let dns = FakeDNSResolver()
        let domain = "shared-\(UUID().uuidString.prefix(8).lowercased()).example.org"
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            let one = Browser(app: app, host: first.host)
            try await one.signInStaff(firstAdmin.email)
            let two = Browser(app: app, host: second.host)
            try await two.signInStaff(secondAdmin.email)
            try await one.get("/admin/domains")
            try await two.get("/admin/domains")
            #expect(try await one.post("/admin/domains", ["domain": domain]).status == .ok)
            #expect(try await two.post("/admin/domains", ["domain": domain]).status == .ok)

            // The record carries both tokens: the first to verify wins.
            let tokens = [try await DomainTestSupport.token(domain, of: first), try await DomainTestSupport.token(domain, of: second)]
            dns.set("_portico-challenge.\(domain)", .records(tokens))
            #expect(try await one.post("/admin/domains/\(domain)/verify").status == .ok)
            let lost = try await two.post("/admin/domains/\(domain)/verify")
            #expect(lost.status == .conflict)
            #expect(lost.body.contains("already active for another portal"))
            #expect(try await DomainTestSupport.row(domain, of: second)?.verified == false)

            let three = Browser(app: app, host: third.host)
            try await three.signInStaff(thirdAdmin.email)
            try await three.get("/admin/domains")
            let refused = try await three.post("/admin/domains", ["domain": domain])
            #expect(refused.status == .conflict)
            #expect(refused.body.contains("already active for another portal"))

            try await eventually { try await app.get("/", host: domain).body.contains("First Claim") }
            // The loser's pending row cannot be made primary either.
            try await two.get("/admin/domains")
            #expect(try await two.post("/admin/domains/\(domain)/primary").status == .conflict)
        }
    }

    @Test("the primary domain is the host of the links in emails; the platform subdomain can be primary again")
    func primaryDomainSwitchesEmailLinks() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        let dns = FakeDNSResolver()
        let domain = DomainTestSupport.uniqueDomain(tenant)
        let pending = DomainTestSupport.uniqueDomain(tenant, prefix: "pending")
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await DomainTestSupport.addAndVerify(domain, console: console, tenant: tenant, dns: dns)
            #expect(try await console.post("/admin/domains", ["domain": pending]).status == .ok)

            let subscriber = Browser(app: app, host: tenant.host)
            func requestReset() async throws {
                try await subscriber.get("/portal/forgot-password")
                #expect(try await subscriber.post("/portal/forgot-password", ["email": customer.email]).status == .ok)
            }
            try await requestReset()
            #expect(try await DomainTestSupport.resetLinkHost(customer.email, tenant: tenant) == tenant.host)

            // Only verified domains can be primary.
            try await console.get("/admin/domains")
            let unverified = try await console.post("/admin/domains/\(pending)/primary")
            #expect(unverified.status == .conflict)
            #expect(unverified.body.contains("not verified yet"))

            try await console.get("/admin/domains")
            let switched = try await console.post("/admin/domains/\(domain)/primary")
            #expect(switched.status == .ok)
            #expect(switched.body.contains("\(domain) is now your primary domain"))
            #expect(try await DomainTestSupport.row(domain, of: tenant)?.primary == true)
            // Asked for on the platform host, linked on the primary domain: links come from the database.
            try await requestReset()
            #expect(try await DomainTestSupport.resetLinkHost(customer.email, tenant: tenant) == domain)

            let back = try await console.post("/admin/domains/\(tenant.host)/primary")
            #expect(back.status == .ok)
            #expect(back.body.contains("use \(tenant.host) again"))
            #expect(try await DomainTestSupport.row(domain, of: tenant)?.primary == false)
            try await requestReset()
            #expect(try await DomainTestSupport.resetLinkHost(customer.email, tenant: tenant) == tenant.host)

            let events = try await tenant.transaction { tx in
                try await Repositories.postgres.audit.list(AuditFilter(action: "domain.primary_changed"), limit: 10, offset: 0, in: tx)
            }
            #expect(events.count == 2)
            #expect(Set(events.map(\.targetId)) == [domain, tenant.host])
        }
    }

    @Test("removing a domain stops it resolving everywhere at once; a removed primary hands links back to the platform subdomain")
    func removeStopsResolving() async throws {
        let tenant = try await TestTenant.create(name: "Removal Wireless")
        let admin = try await tenant.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        let dns = FakeDNSResolver()
        let domain = DomainTestSupport.uniqueDomain(tenant)
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            try await TestApp.with { (second: TestApp) async throws in
                let console = Browser(app: app, host: tenant.host)
                try await console.signInStaff(admin.email)
                try await DomainTestSupport.addAndVerify(domain, console: console, tenant: tenant, dns: dns)
                #expect(try await console.post("/admin/domains/\(domain)/primary").status == .ok)
                try await eventually { try await second.get("/", host: domain).status == .ok }

                // An admin working on the custom domain itself removes it.
                let onDomain = Browser(app: app, host: domain)
                try await onDomain.signInStaff(admin.email)
                try await onDomain.get("/admin/domains")
                let removed = try await onDomain.post("/admin/domains/\(domain)/remove")
                #expect(removed.status == .ok)
                #expect(removed.body.contains("\(domain) was removed"))
                #expect(removed.body.contains("continue at http://\(tenant.host):8080/admin"))
                #expect(try await DomainTestSupport.row(domain, of: tenant) == nil)

                #expect(try await app.get("/", host: domain).status == .notFound)
                // Through NOTIFY, not the 300 s cache TTL.
                try await eventually(timeout: .seconds(10)) { try await second.get("/", host: domain).status == .notFound }

                let subscriber = Browser(app: app, host: tenant.host)
                try await subscriber.get("/portal/forgot-password")
                try await subscriber.post("/portal/forgot-password", ["email": customer.email])
                #expect(try await DomainTestSupport.resetLinkHost(customer.email, tenant: tenant) == tenant.host)

                try await console.get("/admin/domains")
                #expect(try await console.post("/admin/domains/\(domain)/remove").status == .notFound)
                #expect(try await DomainTestSupport.auditActions(tenant).contains("domain.removed"))
            }
        }
    }
}
