import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Access codes, profile, email change and housekeeping")
struct AccountLifecycleTests {
    @Test("an access code with its account number links a new login to the existing organization, once")
    func accessCodeLinking() async throws {
        let tenant = try await TestTenant.create()
        let (organization, _) = try await tenant.subscriber(name: "Owner Olive")
        let code = "K7QM3XPATR"
        try await tenant.transaction { tx in
            try await AccountTokens.insert(
                token: code, kind: .accessCode, email: "", organizationID: organization.id,
                lifetime: AccountTokens.Kind.accessCode.lifetime, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.get("/portal/register")
            let wrong = try await browser.post(
                "/portal/register",
                [
                    "name": "Member Max", "email": "max@example.net", "password": "member max passphrase",
                    "account_number": "999999", "access_code": code,
                ])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("do not match an account"))
            try await browser.get("/portal/register")
            let linked = try await browser.post(
                "/portal/register",
                [
                    "name": "Member Max", "email": "max@example.net", "password": "member max passphrase",
                    "account_number": organization.accountNumber, "access_code": "k7qm-3xpa-tr",
                ])
            #expect(linked.status == .ok)
            let members = try await tenant.transaction { tx in try await Repositories.postgres.customers.members(of: organization.id, in: tx) }
            #expect(members.map(\.email).contains("max@example.net"))
            #expect(members.first { $0.email == "max@example.net" }?.role == .member)
            // Used up.
            try await browser.get("/portal/register")
            let again = try await browser.post(
                "/portal/register",
                [
                    "name": "Third", "email": "third@example.net", "password": "third person passphrase",
                    "account_number": organization.accountNumber, "access_code": code,
                ])
            #expect(again.status == .unprocessableContent)
        }
    }

    @Test("profile: details saved; an email change takes effect only through the link sent to the new address, and the old one is told")
    func profileAndEmailChange() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { app, browser, customer in
            try await browser.get("/portal/profile")
            let saved = try await browser.post("/portal/profile", ["name": "Renamed Person", "phone": "+1 555 0199"])
            #expect(saved.body.contains("Your details are saved"))
            #expect(saved.body.contains("value=\"Renamed Person\""))
            let tooLong = try await browser.post("/portal/profile", ["name": String(repeating: "n", count: 201), "phone": ""])
            #expect(tooLong.status == .unprocessableContent)

            try await browser.get("/portal/profile")
            let newEmail = "moved-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            let wrongPassword = try await browser.post("/portal/profile/email", ["new_email": newEmail, "email_password": "nope nope nope"])
            #expect(wrongPassword.status == .unprocessableContent)
            try await browser.get("/portal/profile")
            let requested = try await browser.post("/portal/profile/email", ["new_email": newEmail, "email_password": TestPasswords.password])
            #expect(requested.body.contains("We sent a confirmation link to \(newEmail)"))
            #expect(
                try await tenant.transaction { tx in try await Repositories.postgres.customers.find(id: customer.id, in: tx)?.email }
                    == customer.email)

            let mail = try #require(try await TestMailbox.latest(to: newEmail, tenant: tenant.id, kind: "change_email"))
            #expect(try await browser.get(try #require(mail.linkPath)).status == .ok)
            #expect(try await tenant.transaction { tx in try await Repositories.postgres.customers.find(id: customer.id, in: tx)?.email } == newEmail)
            #expect(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "email_changed_notice") != nil)
            #expect(try await Browser(app: app, host: tenant.host).signInCustomer(newEmail).status == .seeOther)
        }
    }

    @Test("the maintenance sweep removes expired sessions and tokens, and keeps live ones")
    func sweep() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let live = Browser(app: app, host: tenant.host)
            try await live.signInCustomer(customer.email)
            let stale = Browser(app: app, host: tenant.host)
            try await stale.signInCustomer(customer.email)
            let staleToken = try #require(stale.cookie("portico_session"))
            try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE token_hash = \(AccountTokens.hash(staleToken))")
                try await AccountTokens.insert(
                    token: "old-token-\(UUID())", kind: .verifyEmail, email: customer.email, customerID: customer.id,
                    lifetime: .seconds(1), in: tx)
                try await tx.execute("UPDATE account_tokens SET expires_at = now() - interval '8 days' WHERE customer_id = \(customer.id)")
            }
            let removed = try await app.dependencies.maintenanceService().sweep()
            #expect(removed >= 2)
            let (sessions, tokens) = try await tenant.transaction { tx in
                (
                    try await tx.scalar("SELECT count(*)::int FROM sessions WHERE principal_id = \(customer.id)", as: Int.self),
                    try await tx.scalar("SELECT count(*)::int FROM account_tokens WHERE customer_id = \(customer.id)", as: Int.self)
                )
            }
            #expect(sessions == 1)
            #expect(tokens == 0)
            #expect(try await live.get("/portal").status == .ok)
        }
    }

    @Test("appointment reminders go out 24 hours ahead, once, to every active member")
    func reminders() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.subscriber()
        try await tenant.transaction { tx in
            for (hours, status) in [(20.0, AppointmentStatus.confirmed), (30.0, .confirmed), (10.0, .cancelled)] {
                let start = Date().addingTimeInterval(hours * 3600)
                _ = try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(7200), status: status,
                        address: "1 Test Lane"), in: tx)
            }
        }
        try await TestApp.with { (app: TestApp) async throws in
            let reminders = app.dependencies.appointmentReminders
            try await reminders.send()
            try await reminders.send()
            let sent = try await TestMailbox.messages(to: customer.email, tenant: tenant.id, kind: "appointment_reminder")
            #expect(sent.count == 1)
            // The visit is 20 hours ahead: later today or tomorrow by the tenant's (UTC) calendar.
            let day = ISODates.today(Date().addingTimeInterval(20 * 3600)) == ISODates.today() ? "today" : "tomorrow"
            #expect(sent.first?.subject.hasPrefix("Reminder: visit \(day), ") == true)
            #expect(sent.first?.link?.contains("/portal/appointments/") == true)
        }
    }
}

@Suite("Household members")
struct HouseholdMemberTests {
    @Test("the owner invites a member, who accepts and sees the same organization's work orders; members cannot invite")
    func ownerInvitesMember() async throws {
        let tenant = try await TestTenant.create()
        let (organization, owner) = try await tenant.signInableSubscriber(name: "Olga Owner")
        try await tenant.transaction { tx in
            _ = try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: organization.id, title: "Shared household order", status: .submitted),
                by: Actor(kind: .customer, id: owner.id, name: owner.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(owner.email)
            try await browser.get("/portal/profile")
            let member = "member-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            #expect(
                try await browser.post("/portal/profile/members", ["member_name": "Mo Member", "member_email": "nope"]).status
                    == .unprocessableContent)
            try await browser.get("/portal/profile")
            #expect(
                try await browser.post("/portal/profile/members", ["member_name": "Mo Member", "member_email": member]).body.contains(
                    "Invitation sent"))
            let mail = try #require(try await TestMailbox.latest(to: member, tenant: tenant.id, kind: "invite_customer"))
            let path = try #require(mail.linkPath)
            let invitee = Browser(app: app, host: tenant.host)
            try await invitee.get(path)
            #expect(try await invitee.post(path, ["name": "Mo Member", "password": "member of the house"]).status == .ok)
            try await invitee.signInCustomer(member, password: "member of the house")
            #expect(try await invitee.get("/portal/work-orders").body.contains("Shared household order"))
            try await invitee.get("/portal/profile")
            #expect(try await invitee.post("/portal/profile/members", ["member_name": "X", "member_email": "x@example.net"]).status == .forbidden)
        }
    }
}
