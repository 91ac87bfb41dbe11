import Foundation
import HTTPTypes
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("Staff: inviting logins that have no password")
struct InvitationTests {
    /// An account whose login exists without a password, as an import or an integration leaves it.
    func pendingLogin(_ tenant: TestTenant, account: String, email: String? = nil) async throws -> (Organization, Customer) {
        try await tenant.transaction { tx in
            let organization = try await Repositories.postgres.organizations.create(NewOrganization(name: account, kind: .household), in: tx)
            let customer = try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .owner, name: "\(account) Owner",
                    email: email ?? "\(UUID().uuidString.prefix(8).lowercased())@invite.example", status: .pending), in: tx)
            return (organization, customer)
        }
    }

    func console(_ app: TestApp, _ tenant: TestTenant, role: StaffRole = .agent) async throws -> Browser {
        let staff = try await tenant.staff(role: role)
        let browser = Browser(app: app, host: tenant.host)
        try await browser.signInStaff(staff.email)
        return browser
    }

    static func path(_ organization: Organization) -> String { "/admin/customers/\(organization.id.uuidString.lowercased())" }
    static func invitePath(_ organization: Organization, _ customer: Customer) -> String {
        "\(path(organization))/members/\(customer.id.uuidString.lowercased())/invite"
    }

    func count(_ tenant: TestTenant, _ sql: SQL) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) ?? 0 }
    }

    func hasPassword(_ tenant: TestTenant, _ customer: Customer) async throws -> Bool {
        try await count(tenant, "SELECT count(*)::int FROM customers WHERE id = \(customer.id) AND password_hash IS NOT NULL") == 1
    }

    @Test("invite a login, resend it (the first link then says it was replaced), accept the new one; the status follows on the account page")
    func inviteResendAccept() async throws {
        let tenant = try await TestTenant.create(name: "Resend Wireless")
        let (organization, customer) = try await pendingLogin(tenant, account: "Imported Farm")
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            let before = try await agent.get(Self.path(organization))
            #expect(before.body.contains("badge--access-not_invited\">Not invited"))
            #expect(before.body.contains(">Send invitation<"))

            let sent = try await agent.post(Self.invitePath(organization, customer))
            #expect(sent.status == .ok)
            #expect(sent.body.contains("Invitation sent to \(customer.email)."))
            #expect(sent.body.contains("badge--access-invited\">Invited "))
            #expect(sent.body.contains(" · expires "))
            #expect(sent.body.contains(">Resend invitation<"))
            let first = try #require(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "invite_customer")?.linkPath)

            let resent = try await agent.post(Self.invitePath(organization, customer))
            #expect(resent.body.contains("A new invitation is on its way to \(customer.email). The link in the earlier one no longer works."))
            let mails = try await TestMailbox.messages(to: customer.email, tenant: tenant.id, kind: "invite_customer")
            #expect(mails.count == 2)
            let second = try #require(mails.last?.linkPath)
            #expect(first != second)

            // The old link explains itself, and accepting through it changes nothing.
            let subscriber = Browser(app: app, host: tenant.host)
            let old = try await subscriber.get(first)
            #expect(old.status == .notFound)
            #expect(old.body.contains("This invitation link was replaced by a newer one"))
            #expect(old.body.contains("Resend Wireless sent you a newer invitation"))
            #expect(old.header("Referrer-Policy") == "same-origin")
            try await subscriber.get("/portal/login")
            let forced = try await subscriber.post(first, ["name": "Sneaky", "password": "an old link passphrase"])
            #expect(forced.status == .notFound)
            #expect(try await hasPassword(tenant, customer) == false)

            // The new link works, once.
            #expect(try await subscriber.get(second).status == .ok)
            let accepted = try await subscriber.post(second, ["name": "Ida Imported", "password": "the new link passphrase"])
            #expect(accepted.body.contains("Your account is ready"))
            #expect(try await hasPassword(tenant, customer))
            let used = try await Browser(app: app, host: tenant.host).get(second)
            #expect(used.status == .notFound)
            #expect(used.body.contains("This invitation has already been used"))
            #expect(
                try await Browser(app: app, host: tenant.host).signInCustomer(customer.email, password: "the new link passphrase").status == .seeOther
            )

            let after = try await agent.get(Self.path(organization))
            #expect(after.body.contains("badge--access-accepted\">Accepted "))
            #expect(!after.body.contains(">Resend invitation<"))
            let again = try await agent.post(Self.invitePath(organization, customer))
            #expect(again.status == .conflict)
            #expect(again.body.contains("already has a login"))
            #expect(try await TestMailbox.messages(to: customer.email, tenant: tenant.id, kind: "invite_customer").count == 2)

            let actions = try await tenant.transaction { tx in
                try await tx.rows("SELECT action FROM audit_events WHERE action LIKE 'customer.invit%' ORDER BY id").map {
                    try $0.decode("action", as: String.self)
                }
            }
            #expect(actions == ["customer.invited", "customer.invitation_resent"])
        }
    }

    @Test("an expired invitation shows as expired to staff and says so to the subscriber; resending fixes it")
    func expired() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await pendingLogin(tenant, account: "Slow Reader")
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            try await agent.get(Self.path(organization))
            try await agent.post(Self.invitePath(organization, customer))
            let link = try #require(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "invite_customer")?.linkPath)
            _ = try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE account_tokens SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day' WHERE customer_id = \(customer.id)"
                )
            }
            let page = try await agent.get(Self.path(organization))
            #expect(page.body.contains("badge--access-expired\">Invitation expired "))
            #expect(page.body.contains(">Resend invitation<"))
            let late = try await Browser(app: app, host: tenant.host).get(link)
            #expect(late.status == .notFound)
            #expect(late.body.contains("This invitation has expired"))
            let list = try await agent.get("/admin/customers?access=expired")
            #expect(list.body.contains("Slow Reader"))
            #expect(list.body.contains("1 invitation expired"))
            #expect(!(try await agent.get("/admin/customers?access=invited")).body.contains("Slow Reader"))
        }
    }

    @Test("an invitation of a login suspended since cannot be used (it would activate the login); after reactivation it works")
    func suspendedLogin() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await pendingLogin(tenant, account: "Paused")
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            try await agent.get(Self.path(organization))
            try await agent.post(Self.invitePath(organization, customer))
            let link = try #require(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "invite_customer")?.linkPath)
            let subscriber = Browser(app: app, host: tenant.host)
            #expect(try await subscriber.get(link).status == .ok, "the form, before the suspension")

            let member = "\(Self.path(organization))/members/\(customer.id.uuidString.lowercased())"
            try await agent.get(Self.path(organization))
            #expect(try await agent.post("\(member)/suspend").status == .ok)
            let refused = try await subscriber.post(link, ["name": "Paused Person", "password": "a suspended passphrase"])
            #expect(refused.status == .forbidden)
            #expect(refused.body.contains("This login is suspended"))
            #expect(refused.header("Referrer-Policy") == "same-origin")
            #expect(try await Browser(app: app, host: tenant.host).get(link).status == .forbidden)
            #expect(try await hasPassword(tenant, customer) == false)
            let status = try await tenant.transaction { tx in try await Repositories.postgres.customers.find(id: customer.id, in: tx)?.status }
            #expect(status == .suspended)

            try await agent.get(Self.path(organization))
            #expect(try await agent.post("\(member)/reactivate").status == .ok)
            try await subscriber.get(link)
            #expect(
                try await subscriber.post(link, ["name": "Back Again", "password": "a reactivated passphrase"]).body.contains("Your account is ready")
            )
        }
    }

    @Test(
        "another account's, another tenant's or a made-up login id: the same 404 and no email; technicians cannot invite; suspended logins are refused"
    )
    func isolationAndRules() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (organization, customer) = try await pendingLogin(tenant, account: "Here")
        let (neighbour, neighbourLogin) = try await pendingLogin(tenant, account: "Next Door")
        let (_, farLogin) = try await pendingLogin(other, account: "Far Away")
        let (farOrganization, _) = try await pendingLogin(other, account: "Far Away Two")
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            for path in [
                Self.invitePath(organization, neighbourLogin), Self.invitePath(organization, farLogin),
                "\(Self.path(organization))/members/\(UUID().uuidString.lowercased())/invite",
                "\(Self.path(organization))/members/not-a-uuid/invite",
                Self.invitePath(farOrganization, customer), Self.invitePath(neighbour, customer),
            ] {
                try await agent.get(Self.path(organization))  // a fresh form each time (an error page carries no CSRF token)
                let refused = try await agent.post(path)
                #expect(refused.status == .notFound, "\(path)")
            }
            #expect(try await count(tenant, "SELECT count(*)::int FROM account_tokens WHERE kind = 'invite_customer'") == 0)
            #expect(try await count(other, "SELECT count(*)::int FROM account_tokens WHERE kind = 'invite_customer'") == 0)
            #expect(try await count(tenant, "SELECT count(*)::int FROM outbox") == 0)

            let technician = try await console(app, tenant, role: .technician)
            #expect(try await technician.post(Self.invitePath(organization, customer)).status == .forbidden)
            #expect(try await technician.get("/admin/customers/invitations").status == .forbidden)

            try await tenant.transaction { tx in try await Repositories.postgres.customers.setStatus(.suspended, for: customer.id, in: tx) }
            try await agent.get(Self.path(organization))
            let suspended = try await agent.post(Self.invitePath(organization, customer))
            #expect(suspended.status == .conflict)
            #expect(suspended.body.contains("Reactivate it first"))
            #expect(try await count(tenant, "SELECT count(*)::int FROM account_tokens WHERE kind = 'invite_customer'") == 0)
        }
    }

    @Test(
        "bulk from a filtered list: a count preview, then exactly those invited; live invitations and existing logins left alone; a stale preview is refused"
    )
    func bulkFromList() async throws {
        let tenant = try await TestTenant.create()
        let (birch1, notInvited) = try await pendingLogin(tenant, account: "Birch One")
        let (_, expiredLogin) = try await pendingLogin(tenant, account: "Birch Two")
        let (_, liveLogin) = try await pendingLogin(tenant, account: "Birch Three")
        let (_, oak) = try await pendingLogin(tenant, account: "Oak Only")
        let withPassword = try await tenant.transaction { tx in
            try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: birch1.id, role: .member, name: "Has Login",
                    email: "has-login-\(UUID().uuidString.prefix(6).lowercased())@invite.example", passwordHash: try await TestPasswords.hash(),
                    status: .active, emailVerified: true), in: tx)
        }
        try await tenant.transaction { tx in
            try await AccountTokens.insert(
                token: SecureRandom.token(), kind: .inviteCustomer, email: expiredLogin.email, customerID: expiredLogin.id,
                lifetime: .seconds(60), in: tx)
            try await tx.execute("UPDATE account_tokens SET expires_at = now() - interval '1 minute' WHERE customer_id = \(expiredLogin.id)")
            try await AccountTokens.insert(
                token: SecureRandom.token(), kind: .inviteCustomer, email: liveLogin.email, customerID: liveLogin.id,
                lifetime: AccountTokens.Kind.inviteCustomer.lifetime, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            let list = try await agent.get("/admin/customers?q=birch")
            #expect(list.body.contains("3 accounts match"))
            #expect(list.body.contains("1 has a login"))
            #expect(list.body.contains("1 not invited"))
            #expect(list.body.contains("href=\"/admin/customers/invitations?q=birch\""))

            let preview = try await agent.get("/admin/customers/invitations?q=birch")
            #expect(preview.status == .ok)
            #expect(preview.body.contains("This will invite 2 subscribers."))
            #expect(preview.body.contains(notInvited.email) && preview.body.contains(expiredLogin.email))
            #expect(!preview.body.contains(liveLogin.email) && !preview.body.contains(withPassword.email) && !preview.body.contains(oak.email))
            #expect(try await count(tenant, "SELECT count(*)::int FROM outbox") == 0, "a preview sends nothing")

            let stale = try await agent.post("/admin/customers/invitations", ["q": "birch", "expected": "3"])
            #expect(stale.status == .conflict)
            #expect(stale.body.contains("The selection changed since you looked at it: it would now invite 2 subscribers."))
            #expect(try await count(tenant, "SELECT count(*)::int FROM outbox") == 0)
            #expect(try await agent.post("/admin/customers/invitations", ["q": "birch"]).status == .badRequest)
            try await agent.get("/admin/customers/invitations?q=birch")
            #expect(try await agent.post("/admin/customers/invitations", ["q": "birch", "expected": "2", "access": "bogus"]).status == .badRequest)

            try await agent.get("/admin/customers/invitations?q=birch")
            let done = try await agent.post("/admin/customers/invitations", ["q": "birch", "expected": "2"])
            #expect(done.status == .ok)
            #expect(done.body.contains("Invited 2 subscribers."))
            #expect(done.body.contains("Nobody to invite here"))
            for login in [notInvited, expiredLogin] {
                #expect(try await TestMailbox.messages(to: login.email, tenant: tenant.id, kind: "invite_customer").count == 1)
            }
            for login in [liveLogin, oak, withPassword] {
                #expect(try await TestMailbox.messages(to: login.email, tenant: tenant.id, kind: "invite_customer").isEmpty)
            }
            #expect(
                try await count(
                    tenant,
                    "SELECT count(*)::int FROM audit_events WHERE action = 'customers.bulk_invited' AND details->>'count' = '2' AND details->>'search' = 'birch'"
                ) == 1)

            // The access filter narrows the list and the bulk selection alike.
            let notInvitedList = try await agent.get("/admin/customers?access=not_invited")
            #expect(notInvitedList.body.contains("Oak Only") && !notInvitedList.body.contains("Birch One"))
            #expect(try await agent.get("/admin/customers/invitations?access=not_invited").body.contains("This will invite 1 subscriber."))
            #expect(try await agent.get("/admin/customers/invitations?access=accepted").body.contains("Nobody to invite here"))
        }
    }

    @Test("the hourly allowance: a preview offers what still fits, an exhausted hour says when to come back, and nothing beyond it is sent")
    func hourlyCap() async throws {
        let tenant = try await TestTenant.create()
        var logins: [Customer] = []
        for index in 1...3 { logins.append(try await pendingLogin(tenant, account: "Capped \(index)").1) }
        let bucket = InvitationQuota.bucket(tenant.id)
        try await TestCluster.database().appPool.query(
            """
            INSERT INTO rate_limits (bucket, window_started_at, hits) VALUES (\(bucket), now(), \(InvitationQuota.perHour - 1))
            """)
        try await TestApp.with { (app: TestApp) async throws in
            let agent = try await console(app, tenant)
            let preview = try await agent.get("/admin/customers/invitations?q=capped")
            #expect(preview.body.contains("This will invite 1 subscriber now, of the 3 in this selection."))
            #expect(preview.body.contains("can send 1 more invitation this hour"))
            let one = try await agent.post("/admin/customers/invitations", ["q": "capped", "expected": "1"])
            #expect(one.body.contains("Invited 1 subscriber."))
            #expect(one.body.contains("has used its 1,000 invitations for this hour"))
            #expect(!one.body.contains("<button type=\"submit\" class=\"button\">Invite"), "no button while the hour is used up")

            let refused = try await agent.post("/admin/customers/invitations", ["q": "capped", "expected": "1"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body.contains("This portal has sent its 1,000 invitations for this hour"))
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 > 0)
            let organization = try #require(
                try await tenant.transaction { tx in
                    try await Repositories.postgres.organizations.find(id: logins[2].organizationId, in: tx)
                })
            try await agent.get(Self.path(organization))
            let single = try await agent.post(Self.invitePath(organization, logins[2]))
            #expect(single.status == .tooManyRequests)
            #expect(single.body.contains("Try again in"))
            #expect(try await count(tenant, "SELECT count(*)::int FROM outbox WHERE kind = 'invite_customer'") == 1)
        }
    }

    @Test("an import's result page invites exactly the logins that import created")
    func bulkFromImport() async throws {
        let tenant = try await TestTenant.create()
        let (_, earlier) = try await pendingLogin(tenant, account: "Not From The File")
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let csv = """
                account_number,organization_name,email,phone
                7001,Maple household,maple@import.example,555 0101
                7002,Willow household,willow@import.example,555 0102
                """
            let id = try await CSVTesting.upload(admin, csv)
            let result = try await CSVTesting.run(admin, id: id, mode: "import")
            #expect(result.body.contains("This import created 2 new logins without a password."))
            let href = "/admin/customers/invitations?import=\(id)"
            #expect(result.body.contains("href=\"\(href)\""))

            let preview = try await admin.get(href)
            #expect(preview.body.contains("logins created by this CSV import"))
            #expect(preview.body.contains("This will invite 2 subscribers."))
            #expect(!preview.body.contains(earlier.email))
            let done = try await admin.post("/admin/customers/invitations", ["q": "", "import": id, "expected": "2"])
            #expect(done.body.contains("Invited 2 subscribers."))
            #expect(try await TestMailbox.latest(to: "maple@import.example", tenant: tenant.id, kind: "invite_customer") != nil)
            #expect(try await TestMailbox.latest(to: "willow@import.example", tenant: tenant.id, kind: "invite_customer") != nil)
            #expect(try await TestMailbox.messages(to: earlier.email, tenant: tenant.id, kind: "invite_customer").isEmpty)

            // A malformed import reference is a 404; another tenant's import invites nobody here.
            #expect(try await admin.get("/admin/customers/invitations?import=../../etc").status == .notFound)
            let elsewhere = try await TestTenant.create()
            let stranger = try await CSVTesting.admin(app, elsewhere)
            #expect(try await stranger.get(href).body.contains("Nobody to invite here"))
        }
    }
}
