import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// A signed-in subscriber cannot use the profile to learn whether an address has an account:
/// the email-change and household-invitation forms answer the same either way (the owner of the
/// address is emailed instead), and both are limited per account.
@Suite("Profile forms reveal no accounts")
struct ProfileEnumerationTests {
    struct World {
        let tenant: TestTenant
        let me: Customer
        /// Someone with an account in another organization of the same tenant.
        let registered: Customer
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let (_, me) = try await tenant.signInableSubscriber(name: "Olive Owner")
        let (_, registered) = try await tenant.signInableSubscriber(name: "Rita Registered")
        return World(tenant: tenant, me: me, registered: registered)
    }

    func fresh() -> String { "fresh-\(UUID().uuidString.prefix(8).lowercased())@example.net" }

    /// The page with the per-visitor token and the probed address taken out.
    func normalized(_ body: String, _ address: String) -> String {
        body.replacingOccurrences(of: address, with: "ADDRESS")
            .replacingOccurrences(of: #"value="[A-Za-z0-9_-]{43}""#, with: "value=\"TOKEN\"", options: .regularExpression)
    }

    @Test("email change: a taken address gets the same answer as a free one; its owner is told; nothing changes for them")
    func emailChangeIsNeutral() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.me.email)
            func ask(_ address: String) async throws -> HTTPTestResponse {
                try await browser.get("/portal/profile")
                return try await browser.post("/portal/profile/email", ["new_email": address, "email_password": TestPasswords.password])
            }
            let free = fresh()
            let taken = try await ask(world.registered.email)
            let untaken = try await ask(free)
            #expect(taken.status == .ok)
            #expect(taken.status == untaken.status)
            #expect(normalized(taken.body, world.registered.email) == normalized(untaken.body, free))
            #expect(taken.body.contains("We sent a confirmation link"))

            // The free address gets a confirmation link; the taken one's owner gets a notice instead.
            #expect(try await TestMailbox.latest(to: free, tenant: world.tenant.id, kind: "change_email") != nil)
            #expect(try await TestMailbox.latest(to: world.registered.email, tenant: world.tenant.id, kind: "change_email") == nil)
            let notice = try #require(try await TestMailbox.latest(to: world.registered.email, tenant: world.tenant.id, kind: "address_in_use"))
            #expect(notice.text.contains("change that account's email address to this one"))
            #expect(notice.text.contains("nothing changed"))
            #expect(notice.link?.hasSuffix("/portal/login") == true)
            // Both accounts are as they were.
            #expect(try await Browser(app: app, host: world.tenant.host).signInCustomer(world.registered.email).status == .seeOther)
            let audit = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'email.change_to_taken_address'", as: Int.self)
            }
            #expect(audit == 1)
        }
    }

    @Test("household invitation: an address with an account elsewhere gets the same answer and page as a new one; its owner is told")
    func invitationIsNeutral() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.me.email)
            func invite(_ address: String) async throws -> HTTPTestResponse {
                try await browser.get("/portal/profile")
                return try await browser.post("/portal/profile/members", ["member_name": "Someone", "member_email": address])
            }
            let free = fresh()
            let taken = try await invite(world.registered.email)
            let untaken = try await invite(free)
            #expect(taken.status == .ok)
            #expect(taken.status == untaken.status)
            #expect(normalized(taken.body, world.registered.email) == normalized(untaken.body, free))
            // The profile afterwards looks the same for both: invited people appear once they join.
            let profile = try await browser.get("/portal/profile")
            #expect(!profile.body.contains(free) && !profile.body.contains(world.registered.email))

            #expect(try await TestMailbox.latest(to: free, tenant: world.tenant.id, kind: "invite_customer") != nil)
            #expect(try await TestMailbox.latest(to: world.registered.email, tenant: world.tenant.id, kind: "invite_customer") == nil)
            let notice = try #require(try await TestMailbox.latest(to: world.registered.email, tenant: world.tenant.id, kind: "address_in_use"))
            #expect(notice.text.contains("invite this address to join their account"))
            // The registered person stays where they were.
            let stillTheirs = try await world.tenant.transaction { tx in
                try await Repositories.postgres.customers.find(email: world.registered.email, in: tx)
            }
            #expect(stillTheirs?.organizationId == world.registered.organizationId)

            // Inviting the same new person again sends a fresh link (the old one stops working).
            let first = try #require(try await TestMailbox.latest(to: free, tenant: world.tenant.id, kind: "invite_customer")?.linkPath)
            #expect(try await invite(free).status == .ok)
            let second = try #require(try await TestMailbox.latest(to: free, tenant: world.tenant.id, kind: "invite_customer")?.linkPath)
            #expect(first != second)
            let visitor = Browser(app: app, host: world.tenant.host)
            #expect(try await visitor.get(first).status == .notFound)
            #expect(try await visitor.get(second).status == .ok)
        }
    }

    @Test("bad input gets a clear 422 next to the field, nothing is sent; only owners invite")
    func badInput() async throws {
        let world = try await world()
        let member = try await world.tenant.transaction { tx in
            try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: world.me.organizationId, role: .member, name: "Mo Member",
                    email: "mo-\(UUID().uuidString.prefix(6).lowercased())@example.net",
                    passwordHash: try await TestPasswords.hash(), status: .active, emailVerified: true), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.me.email)
            for (fields, field, message) in [
                (["new_email": "not-an-address", "email_password": TestPasswords.password], "new_email", "like name@example.com"),
                (["new_email": world.me.email, "email_password": TestPasswords.password], "new_email", "already your email address"),
                (["new_email": fresh(), "email_password": "wrong password 123"], "email_password", "not your current password"),
            ] {
                try await browser.get("/portal/profile")
                let response = try await browser.post("/portal/profile/email", fields)
                #expect(response.status == .unprocessableContent, "\(field)")
                #expect(response.body.contains(message), "\(field)")
            }
            for (fields, message) in [
                (["member_name": "", "member_email": fresh()], "Enter their name"),
                (["member_name": "X", "member_email": "nope"], "like name@example.com"),
                (["member_name": "Me", "member_email": world.me.email], "your own address"),
                (["member_name": "Mo", "member_email": member.email], "already on this account"),
            ] {
                try await browser.get("/portal/profile")
                let response = try await browser.post("/portal/profile/members", fields)
                #expect(response.status == .unprocessableContent, "\(fields)")
                #expect(response.body.contains(message), "\(fields)")
            }
            let sent = try await world.tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT count(*)::int FROM outbox WHERE kind IN ('change_email', 'invite_customer', 'address_in_use')", as: Int.self)
            }
            #expect(sent == 0)

            let notOwner = Browser(app: app, host: world.tenant.host)
            try await notOwner.signInCustomer(member.email)
            try await notOwner.get("/portal/profile")
            #expect(try await notOwner.post("/portal/profile/members", ["member_name": "X", "member_email": fresh()]).status == .forbidden)
        }
    }

    @Test("both forms are limited per account: the eleventh request in an hour is a 429 with the wait, other accounts unaffected")
    func rateLimited() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.me.email)
            for (path, fields) in [
                ("/portal/profile/email", { (address: String) in ["new_email": address, "email_password": TestPasswords.password] }),
                ("/portal/profile/members", { (address: String) in ["member_name": "Probe", "member_email": address] }),
            ] {
                for attempt in 1...10 {
                    try await browser.get("/portal/profile")
                    #expect(try await browser.post(path, fields(fresh())).status == .ok, "\(path) \(attempt)")
                }
                try await browser.get("/portal/profile")
                let limited = try await browser.post(path, fields(world.registered.email))
                #expect(limited.status == .tooManyRequests, "\(path)")
                #expect(limited.header("Retry-After").flatMap(Int.init).map { $0 > 0 } == true)
                #expect(limited.body.contains("Too many attempts"))
            }
            // Nothing reached the registered person while limited.
            #expect(try await TestMailbox.latest(to: world.registered.email, tenant: world.tenant.id, kind: "address_in_use") == nil)
            let other = Browser(app: app, host: world.tenant.host)
            try await other.signInCustomer(world.registered.email)
            try await other.get("/portal/profile")
            #expect(try await other.post("/portal/profile/members", ["member_name": "Fine", "member_email": fresh()]).status == .ok)
        }
    }
}
