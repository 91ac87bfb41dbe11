import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff accounts, roles and two-factor sign-in")
struct StaffAndRolesTests {
    @Test("an admin invites staff; the invitee sets a password through the emailed link and signs in")
    func inviteAndAccept() async throws {
        let tenant = try await TestTenant.create(name: "Invite Wireless")
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/staff")
            let invitee = "tech-\(UUID().uuidString.prefix(6).lowercased())@invite.example"
            let invited = try await console.post("/admin/staff/invite", ["email": invitee, "name": "Tia Tech", "role": "technician"])
            #expect(invited.status == .ok)
            #expect(invited.body.contains("Invitation sent to \(invitee)"))

            let mail = try #require(try await TestMailbox.latest(to: invitee, tenant: tenant.id, kind: "invite_staff"))
            #expect(mail.text.contains("as Technician"))
            let path = try #require(mail.linkPath)
            let newcomer = Browser(app: app, host: tenant.host)
            #expect(try await newcomer.get(path).status == .ok)
            let accepted = try await newcomer.post(path, ["name": "Tia Tech", "password": "technician passphrase"])
            #expect(accepted.status == .seeOther)
            #expect(accepted.header("Location") == "/admin/login?ready=1")
            #expect(try await newcomer.get("/admin/login?ready=1").body.contains("Your staff account is ready."))
            let signedIn = try await newcomer.signInStaff(invitee, password: "technician passphrase")
            #expect(signedIn.header("Location") == "/admin")
            #expect(try await newcomer.get("/admin").status == .ok)

            let events = try await tenant.transaction { tx in
                try await Repositories.postgres.audit.list(AuditFilter(), limit: 50, offset: 0, in: tx).map(\.action)
            }
            #expect(events.contains("staff.invited"))
            #expect(events.contains("staff.invitation.accepted"))
            #expect(events.contains("staff.signin.success"))
        }
    }

    @Test("the role policy: agents and technicians cannot reach admin pages; customers and strangers cannot reach the console")
    func rolePolicy() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        let technician = try await tenant.staff(role: .technician)
        let foreignAdmin = try await other.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        let adminOnly = ["/admin/staff", "/admin/audit", "/admin/audit.csv", "/admin/settings/notifications"]
        try await TestApp.with { (app: TestApp) async throws in
            let agentBrowser = Browser(app: app, host: tenant.host)
            try await agentBrowser.signInStaff(agent.email)
            #expect(try await agentBrowser.get("/admin").status == .ok)
            #expect(try await agentBrowser.get("/admin/outbox").status == .ok)
            for path in adminOnly {
                let response = try await agentBrowser.get(path)
                #expect(response.status == .forbidden, "agent on \(path)")
                #expect(response.body.contains("for admins"))
            }
            try await agentBrowser.get("/admin")
            #expect(try await agentBrowser.post("/admin/staff/invite", ["email": "x@y.example", "role": "admin"]).status == .forbidden)

            let techBrowser = Browser(app: app, host: tenant.host)
            try await techBrowser.signInStaff(technician.email)
            #expect(try await techBrowser.get("/admin/outbox").status == .forbidden)
            for path in adminOnly { #expect(try await techBrowser.get(path).status == .forbidden, "technician on \(path)") }

            let customerBrowser = Browser(app: app, host: tenant.host)
            try await customerBrowser.signInCustomer(customer.email)
            for path in ["/admin"] + adminOnly {
                let response = try await customerBrowser.get(path)
                #expect(response.status == .seeOther, "customer on \(path)")
                #expect(response.header("Location")?.hasPrefix("/admin/login") == true)
            }
            let stranger = Browser(app: app, host: tenant.host)
            for path in ["/admin"] + adminOnly { #expect(try await stranger.get(path).status == .seeOther, "anonymous on \(path)") }

            // Another tenant's admin cannot sign in here, nor bring a session over.
            #expect(try await Browser(app: app, host: tenant.host).signInStaff(foreignAdmin.email).status == .unauthorized)
            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(foreignAdmin.email)
            let carried = Browser(app: app, host: tenant.host)
            carried.setCookie("portico_session", foreign.cookie("portico_session"))
            #expect(try await carried.get("/admin/staff").status == .seeOther)
        }
    }

    @Test("deactivating staff ends their sessions; the last admin cannot be demoted or deactivated")
    func deactivation() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let agent = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let agentBrowser = Browser(app: app, host: tenant.host)
            try await agentBrowser.signInStaff(agent.email)
            #expect(try await agentBrowser.get("/admin").status == .ok)

            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/staff")
            let id = agent.id.uuidString.lowercased()
            #expect(try await console.post("/admin/staff/\(id)/deactivate").body.contains("deactivated"))
            #expect(try await agentBrowser.get("/admin").status == .seeOther)
            #expect(try await Browser(app: app, host: tenant.host).signInStaff(agent.email).status == .unauthorized)

            try await console.get("/admin/staff")
            let selfDemotion = try await console.post("/admin/staff/\(admin.id.uuidString.lowercased())/deactivate")
            #expect(selfDemotion.status == .conflict)
            try await console.get("/admin/staff")
            let promoted = try await console.post("/admin/staff/\(id)/reactivate")
            #expect(promoted.status == .ok)
            // Role change of the only admin is refused (it would leave no admin).
            let another = try await tenant.staff(role: .agent)
            _ = another
            try await console.get("/admin/staff")
            let demote = try await console.post("/admin/staff/\(admin.id.uuidString.lowercased())/role", ["role": "agent"])
            #expect(demote.status == .conflict)
            #expect(demote.body.contains("only active admin"))
        }
    }

    @Test("TOTP: enrol with a code, then sign-in needs the code; a recovery code works once")
    func totp() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/account")
            let started = try await console.post("/admin/account/totp/start")
            #expect(started.body.contains("otpauth://totp/"))
            let secret = try #require(
                try await tenant.transaction { tx in
                    try await Repositories.postgres.staff.credentials(id: admin.id, in: tx)?.totpSecret
                })
            let wrong = try await console.post("/admin/account/totp/confirm", ["code": "000000"])
            #expect(wrong.status == .unprocessableContent)
            try await console.get("/admin/account")
            let code = String(format: "%06d", TOTP(secret: secret).compute())
            let confirmed = try await console.post("/admin/account/totp/confirm", ["code": code])
            #expect(confirmed.body.contains("recovery codes"))
            let recovery = try #require(Browser.firstMatch(in: confirmed.body, after: "<li><code>", until: "<"))

            // A new sign-in stops at the code step; the console is closed until it is done.
            let laptop = Browser(app: app, host: tenant.host)
            let password = try await laptop.signInStaff(admin.email)
            #expect(password.header("Location") == "/admin/login/code")
            #expect(try await laptop.get("/admin").header("Location") == "/admin/login/code")
            try await laptop.get("/admin/login/code")
            #expect(try await laptop.post("/admin/login/code", ["code": "123456"]).status == .unauthorized)
            let pendingToken = laptop.cookie("portico_session")
            try await laptop.get("/admin/login/code")
            // The next code: the one used to confirm enrolment works once only.
            let done = try await laptop.post(
                "/admin/login/code", ["code": String(format: "%06d", TOTP(secret: secret).compute(date: Date().addingTimeInterval(30)))])
            #expect(done.header("Location") == "/admin")
            #expect(laptop.cookie("portico_session") != pendingToken)  // privilege change: fresh token
            #expect(try await laptop.get("/admin").status == .ok)

            // Recovery codes work once.
            let phone = Browser(app: app, host: tenant.host)
            try await phone.signInStaff(admin.email)
            try await phone.get("/admin/login/code")
            #expect(try await phone.post("/admin/login/code", ["code": recovery]).header("Location") == "/admin")
            let again = Browser(app: app, host: tenant.host)
            try await again.signInStaff(admin.email)
            try await again.get("/admin/login/code")
            #expect(try await again.post("/admin/login/code", ["code": recovery]).status == .unauthorized)
        }
    }

    @Test("the audit log lists sign-in events for admins and exports CSV safely")
    func auditLog() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let attacker = Browser(app: app, host: tenant.host)
            try await attacker.signInCustomer("=HYPERLINK(\"http://evil\")@x.example", password: "not it at all")
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let page = try await console.get("/admin/audit?action=signin.failure")
            #expect(page.status == .ok)
            #expect(page.body.contains("signin.failure"))
            let csv = try await console.get("/admin/audit.csv?action=signin.failure")
            #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
            #expect(csv.header("Content-Disposition")?.contains("attachment") == true)
            #expect(csv.body.hasPrefix("\u{FEFF}time,actor_kind,actor,action"), "a UTF-8 BOM, then the header")
            #expect(csv.body.contains("\"'=hyperlink(\"\"http://evil\"\")@x.example\""))
            #expect(try await console.get("/admin/audit?from=2024-02-30").status == .unprocessableContent)
            let exported = try await tenant.transaction { tx in
                try await Repositories.postgres.audit.list(AuditFilter(action: "audit.exported"), limit: 5, offset: 0, in: tx)
            }
            #expect(exported.count == 1)
        }
    }
}
