import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Custom domains: roles and tenant isolation")
struct DomainAccessTests {
    @Test("agents and technicians get 403 on every domain page and action; only admins find Domains (under Settings)")
    func rolePolicy() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let agent = try await tenant.staff(role: .agent)
        let technician = try await tenant.staff(role: .technician)
        let domain = DomainTestSupport.uniqueDomain(tenant)
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at)
                VALUES (\(tx.tenant), \(domain), 'custom', 'token', now())
                """)
        }
        let dns = FakeDNSResolver()
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            for member in [agent, technician] {
                let browser = Browser(app: app, host: tenant.host)
                try await browser.signInStaff(member.email)
                let home = try await browser.get("/admin")
                #expect(home.status == .ok)
                #expect(!home.body.contains("href=\"/admin/domains\""))
                let page = try await browser.get("/admin/domains")
                #expect(page.status == .forbidden, "\(member.role) GET")
                #expect(page.body.contains("for admins"))
                for (path, fields) in [
                    ("/admin/domains", ["domain": "new-\(tenant.slug).example.net"]), ("/admin/domains/\(domain)/verify", [:]),
                    ("/admin/domains/\(domain)/primary", [:]), ("/admin/domains/\(domain)/remove", [:]),
                ] {
                    try await browser.get("/admin")
                    #expect(try await browser.post(path, fields).status == .forbidden, "\(member.role) POST \(path)")
                }
            }
            #expect(dns.queries.isEmpty)
            #expect(try await DomainTestSupport.row(domain, of: tenant).map { $0.verified && !$0.primary } == true)
            let count = try await tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM tenant_domains WHERE tenant_id = \(tx.tenant)", as: Int.self)
            }
            #expect(count == 1)

            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            #expect(try await console.get("/admin/settings").body.contains("href=\"/admin/domains\""))
            // Anonymous visitors are sent to sign in.
            #expect(try await Browser(app: app, host: tenant.host).get("/admin/domains").status == .seeOther)
        }
    }

    @Test("customers, anonymous visitors and another tenant's admin (with its session cookie replayed here) reach no domain route; nothing changes")
    func outsiders() async throws {
        let tenant = try await TestTenant.create(name: "Guarded Domains")
        let other = try await TestTenant.create(name: "Foreign Admins")
        let (_, customer) = try await tenant.signInableSubscriber()
        let foreignAdmin = try await other.staff(role: .admin)
        let domain = DomainTestSupport.uniqueDomain(tenant)
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token) VALUES (\(tx.tenant), \(domain), 'custom', 'guarded-token')
                """)
        }
        let dns = FakeDNSResolver()
        dns.set("_portico-challenge.\(domain)", .records(["guarded-token"]))
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            let subscriber = Browser(app: app, host: tenant.host)
            try await subscriber.signInCustomer(customer.email)
            try await subscriber.get("/portal")

            // The other tenant's admin signs in at home, then sends those cookies here.
            let home = Browser(app: app, host: other.host)
            try await home.signInStaff(foreignAdmin.email)
            #expect(try await home.get("/admin/domains").status == .ok)
            let replayed = Browser(app: app, host: tenant.host)
            for (name, value) in home.cookies { replayed.setCookie(name, value) }

            let anonymous = Browser(app: app, host: tenant.host)
            let posts: [(String, [String: String])] = [
                ("/admin/domains", ["domain": "new-\(tenant.slug).example.net"]), ("/admin/domains/\(domain)/verify", [:]),
                ("/admin/domains/\(domain)/primary", [:]), ("/admin/domains/\(domain)/remove", [:]),
            ]
            for (who, browser) in [("customer", subscriber), ("other tenant's admin", replayed), ("anonymous", anonymous)] {
                let page = try await browser.get("/admin/domains")
                #expect(page.status == .seeOther, "\(who) GET")
                #expect(page.header("Location")?.hasPrefix("/admin/login") == true, "\(who) GET")
                #expect(!page.body.contains("guarded-token"))
                for (path, fields) in posts {
                    // With the CSRF token of a page this browser really has, when it has one.
                    let response = try await browser.post(path, fields)
                    #expect(response.status == .seeOther || response.status == .forbidden, "\(who) POST \(path): \(response.status)")
                    #expect(response.header("Location").map { $0.hasPrefix("/admin/login") } ?? true, "\(who) POST \(path)")
                }
            }
            #expect(dns.queries.isEmpty)
            #expect(try await DomainTestSupport.row(domain, of: tenant).map { !$0.verified && !$0.primary } == true)
            let count = try await tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM tenant_domains WHERE tenant_id = \(tx.tenant)", as: Int.self)
            }
            #expect(count == 1)
            #expect(!(try await DomainTestSupport.auditActions(tenant)).contains { $0.hasPrefix("domain.") })
            #expect(try await app.get("/", host: domain).status == .notFound)
        }
    }

    @Test("another tenant's domains are invisible and cannot be verified, made primary or removed from this console (404, nothing changes)")
    func crossTenant() async throws {
        let tenant = try await TestTenant.create(name: "Home Tenant")
        let other = try await TestTenant.create(name: "Other Tenant")
        let admin = try await tenant.staff(role: .admin)
        let otherPending = DomainTestSupport.uniqueDomain(other, prefix: "pending")
        let otherActive = DomainTestSupport.uniqueDomain(other, prefix: "active")
        try await other.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token) VALUES (\(tx.tenant), \(otherPending), 'custom', 'other-token')
                """)
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at, is_primary)
                VALUES (\(tx.tenant), \(otherActive), 'custom', 'other-token-2', now(), true)
                """)
        }
        let dns = FakeDNSResolver()
        // Even with the other tenant's record in DNS.
        dns.set("_portico-challenge.\(otherPending)", .records(["other-token"]))
        try await TestApp.with(dnsResolver: dns) { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let page = try await console.get("/admin/domains")
            #expect(!page.body.contains(otherPending))
            #expect(!page.body.contains(otherActive))
            for domain in [otherPending, otherActive, other.host] {
                for action in ["verify", "primary", "remove"] {
                    try await console.get("/admin/domains")
                    let response = try await console.post("/admin/domains/\(domain)/\(action)")
                    #expect(response.status == .notFound, "\(action) \(domain)")
                    #expect(!response.body.contains("Other Tenant"))
                }
            }
            for garbage in ["not..valid", "UPPER_case", "%2e%2e"] {
                try await console.get("/admin/domains")
                #expect(try await console.post("/admin/domains/\(garbage)/verify").status == .notFound, "\(garbage)")
            }
            #expect(dns.queries.isEmpty)

            #expect(try await DomainTestSupport.row(otherPending, of: other).map { !$0.verified && !$0.primary } == true)
            #expect(try await DomainTestSupport.row(otherActive, of: other).map { $0.verified && $0.primary } == true)
            #expect(try await app.get("/", host: otherActive).body.contains("Other Tenant"))
            #expect(try await app.get("/", host: otherPending).status == .notFound)
            let ownActions = try await DomainTestSupport.auditActions(tenant)
            let otherActions = try await DomainTestSupport.auditActions(other)
            #expect(!ownActions.contains(where: { $0.hasPrefix("domain.") }))
            #expect(!otherActions.contains(where: { $0.hasPrefix("domain.") }))
        }
    }
}
