import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: subscriber accounts")
struct AdminCustomerTests {
    struct World {
        let tenant: TestTenant
        let agent: StaffUser
        let organization: Organization
        let customer: Customer
        var accountPath: String { "/admin/customers/\(organization.id.uuidString.lowercased())" }
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let (organization, customer) = try await tenant.signInableSubscriber()
        return World(tenant: tenant, agent: agent, organization: organization, customer: customer)
    }

    func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.agent.email)
        return console
    }

    @Test("create an account: missing name and a taken account number are explained; the new account opens with the next number")
    func create() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get("/admin/customers/new")
            let noName = try await console.post("/admin/customers", ["name": " ", "service_plan": "Home 50"])
            #expect(noName.status == .unprocessableContent)
            #expect(noName.body.contains("Enter the account&#39;s name") || noName.body.contains("Enter the account's name"))
            #expect(noName.body.contains("value=\"Home 50\""), "typed values are kept")

            try await console.get("/admin/customers/new")
            let taken = try await console.post("/admin/customers", ["name": "Dup", "account_number": world.organization.accountNumber])
            #expect(taken.status == .conflict)
            #expect(taken.body.contains("already has this account number"))

            try await console.get("/admin/customers/new")
            let created = try await console.post(
                "/admin/customers",
                [
                    "name": "Riverside Farm", "kind": "business", "service_plan": "Farm 100",
                    "service_address": "1 River Rd", "service_status": "pending_install",
                ])
            #expect(created.status == .seeOther || created.status == .found)
            let location = try #require(created.header("Location"))
            let page = try await console.get(location)
            #expect(page.body.contains("Riverside Farm"))
            #expect(page.body.contains("Farm 100"))
            let count = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM organizations WHERE name = 'Riverside Farm' AND kind = 'business'", as: Int.self)
            }
            #expect(count == 1)
            let audit = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'organization.created'", as: Int.self)
            }
            #expect(audit == 1)
        }
    }

    @Test("find accounts by a member's email; edit plan and status")
    func searchAndEdit() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let byNumber = try await console.get("/admin/customers/account/\(world.organization.accountNumber)")
            #expect(byNumber.header("Location") == world.accountPath)
            #expect(try await console.get("/admin/customers/account/no-such-number").status == .notFound)
            let found = try await console.get("/admin/customers?q=\(world.customer.email.prefix(8))")
            #expect(found.body.contains(world.organization.name))
            let none = try await console.get("/admin/customers?q=nobody-like-this")
            #expect(none.body.contains("No subscriber accounts match."))

            try await console.get(world.accountPath)
            let saved = try await console.post(
                world.accountPath,
                [
                    "name": world.organization.name, "kind": "household", "service_plan": "Home 200",
                    "service_status": "active", "service_address": "2 Hill St",
                ])
            #expect(saved.body.contains("Saved."))
            let wrong = try await console.post(world.accountPath, ["name": world.organization.name, "service_status": "exploded"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("Choose a service status"))
            let plan = try await world.tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT service_plan || '/' || service_status FROM organizations WHERE id = \(world.organization.id)", as: String.self)
            }
            #expect(plan == "Home 200/active", "a refused edit changes nothing")
        }
    }

    @Test("an access-code letter lets a subscriber without email on file register; a newer letter cancels the older code")
    func accessCodeLetter() async throws {
        let world = try await world()
        let empty = try await world.tenant.transaction { tx in
            try await Repositories.postgres.organizations.create(NewOrganization(name: "Paper Household", kind: .household), in: tx)
        }
        let path = "/admin/customers/\(empty.id.uuidString.lowercased())"
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(path)
            let first = try await console.post("\(path)/access-code")
            let firstCode = try #require(Browser.firstMatch(in: first.body, after: "letter__code\">", until: "<"))
            #expect(first.body.contains(empty.accountNumber))
            try await console.get(path)
            let second = try await console.post("\(path)/access-code")
            let secondCode = try #require(Browser.firstMatch(in: second.body, after: "letter__code\">", until: "<"))
            #expect(firstCode != secondCode)
            let stored = try await world.tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT count(*)::int FROM account_tokens WHERE organization_id = \(empty.id) AND consumed_at IS NULL", as: Int.self)
            }
            #expect(stored == 1, "only the newest code is live")

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.get("/portal/register")
            let old = try await subscriber.post(
                "/portal/register",
                [
                    "name": "Paula Paper", "email": "paula@example.net", "password": "paper household passphrase",
                    "account_number": empty.accountNumber, "access_code": firstCode,
                ])
            #expect(old.status == .unprocessableContent)
            try await subscriber.get("/portal/register")
            let registered = try await subscriber.post(
                "/portal/register",
                [
                    "name": "Paula Paper", "email": "paula@example.net", "password": "paper household passphrase",
                    "account_number": empty.accountNumber, "access_code": secondCode,
                ])
            #expect(registered.status.code < 400)
            let role = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT role FROM customers WHERE email = 'paula@example.net' AND organization_id = \(empty.id)", as: String.self)
            }
            #expect(role == "owner")
        }
    }

    @Test("invite into a new account: the first person becomes its owner and gets an invitation email")
    func inviteFirstOwner() async throws {
        let world = try await world()
        let empty = try await world.tenant.transaction { tx in
            try await Repositories.postgres.organizations.create(NewOrganization(name: "Fresh Household", kind: .household), in: tx)
        }
        let path = "/admin/customers/\(empty.id.uuidString.lowercased())"
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(path)
            let bad = try await console.post("\(path)/invite", ["member_name": "Olive Owner", "member_email": "not-an-email"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Enter an email address"))
            let taken = try await console.post("\(path)/invite", ["member_name": "Dup", "member_email": world.customer.email])
            #expect(taken.body.contains("already has an account here"))
            let sent = try await console.post("\(path)/invite", ["member_name": "Olive Owner", "member_email": "olive@example.net"])
            #expect(sent.body.contains("Invitation sent to olive@example.net."))
            #expect(sent.body.contains("Olive Owner"))
            let mail = try #require(try await TestMailbox.latest(to: "olive@example.net", tenant: world.tenant.id, kind: "invite_customer"))
            #expect(mail.text.contains("/portal/invite/"))
            let role = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT role FROM customers WHERE email = 'olive@example.net'", as: String.self)
            }
            #expect(role == "owner")
        }
    }

    @Test("suspending a member signs them out everywhere and refuses sign-in; reactivating lets them back")
    func suspendAndReactivate() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            #expect(try await subscriber.get("/portal").status == .ok)

            let console = try await console(app, world)
            try await console.get(world.accountPath)
            let member = world.customer.id.uuidString.lowercased()
            let suspended = try await console.post("\(world.accountPath)/members/\(member)/suspend")
            #expect(suspended.body.contains("is suspended and signed out everywhere"))
            #expect(try await subscriber.get("/portal").status != .ok, "the open session is gone")
            let refused = try await Browser(app: app, host: world.tenant.host).signInCustomer(world.customer.email)
            #expect(refused.header("Location") != "/portal")
            #expect(refused.status != .seeOther || refused.header("Location")?.hasPrefix("/portal/login") == true)

            let back = try await console.post("\(world.accountPath)/members/\(member)/reactivate")
            #expect(back.body.contains("can sign in again"))
            let again = Browser(app: app, host: world.tenant.host)
            try await again.signInCustomer(world.customer.email)
            #expect(try await again.get("/portal").status == .ok)
            let actions = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT action FROM audit_events WHERE action LIKE 'customer.%' ORDER BY occurred_at").map {
                    try $0.decode("action", as: String.self)
                }
            }
            #expect(actions.contains("customer.suspended") && actions.contains("customer.reactivated"))
        }
    }

    @Test("equipment: MACs in any spelling are stored one way; bad MACs are explained; removal")
    func equipment() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(world.accountPath)
            let bad = try await console.post("\(world.accountPath)/equipment", ["model": "LiteBeam 5AC", "mac": "zz:zz"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("Use a MAC address like"))
            let added = try await console.post(
                "\(world.accountPath)/equipment",
                [
                    "model": "LiteBeam 5AC", "serial": "SN-1", "mac": "00-27-22-AA-BB-CC",
                    "installed_on": "2024-03-01",
                ])
            #expect(added.body.contains("00:27:22:aa:bb:cc"))
            let id = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT id FROM equipment WHERE organization_id = \(world.organization.id)", as: UUID.self)
            }
            let equipmentID = try #require(id)
            let removed = try await console.post("\(world.accountPath)/equipment/\(equipmentID.uuidString.lowercased())/delete")
            #expect(removed.body.contains("Equipment removed."))
            #expect(!removed.body.contains("00:27:22:aa:bb:cc"))
        }
    }

    @Test("tasks reach the subscriber by email and in the portal; internal notes stay out of the portal and of 'view as'")
    func tasksNotesAndViewAs() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(world.accountPath)
            let noTitle = try await console.post("\(world.accountPath)/tasks", ["task_title": "", "task_due": "tomorrow"])
            #expect(noTitle.status == .unprocessableContent)
            #expect(noTitle.body.contains("Use a date like"))
            let task = try await console.post(
                "\(world.accountPath)/tasks", ["task_title": "Reboot the radio", "task_details": "Unplug for 30 s", "task_due": "2099-01-31"])
            #expect(task.body.contains("Task created"))
            #expect(try await TestMailbox.latest(to: world.customer.email, tenant: world.tenant.id, kind: "task_assigned") != nil)

            try await console.post("\(world.accountPath)/notes", ["note_body": "Dog in the yard — call ahead", "note_visibility": "internal"])
            try await console.post("\(world.accountPath)/notes", ["note_body": "Your line was upgraded", "note_visibility": "shared"])

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            #expect(try await subscriber.get("/portal/tasks").body.contains("Reboot the radio"))
            let notes = try await subscriber.get("/portal/notes").body
            #expect(notes.contains("Your line was upgraded"))
            #expect(!notes.contains("Dog in the yard"))

            let viewAs = try await console.get("\(world.accountPath)/view-as")
            #expect(viewAs.body.contains("Your line was upgraded"))
            #expect(viewAs.body.contains("Reboot the radio"))
            #expect(!viewAs.body.contains("Dog in the yard"))
            let audited = try await world.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'organization.viewed_as_customer'", as: Int.self)
            }
            #expect(audited == 1)
        }
    }

    @Test("technicians cannot open subscriber accounts")
    func techniciansRefused() async throws {
        let world = try await world()
        let technician = try await world.tenant.staff(role: .technician)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(technician.email)
            #expect(try await console.get("/admin/customers").status == .forbidden)
            #expect(try await console.get(world.accountPath).status == .forbidden)
            #expect(!(try await console.get("/admin").body.contains("href=\"/admin/customers\"")))
        }
    }

    @Test("another tenant's account ids, and another account's member and equipment ids, are 404 for every route; nothing changes")
    func crossTenant() async throws {
        let mine = try await world()
        let theirs = try await world()
        let theirEquipment = try await theirs.tenant.transaction { tx in
            try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(model: "Theirs", serial: "", mac: "", installedOn: nil), to: theirs.organization.id, in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, mine)
            let foreign = theirs.accountPath
            #expect(try await console.get(foreign).status == .notFound)
            #expect(try await console.get("\(foreign)/view-as").status == .notFound)
            let member = theirs.customer.id.uuidString.lowercased()
            let posts: [(String, [String: String])] = [
                (foreign, ["name": "Hijacked"]),
                ("\(foreign)/invite", ["member_name": "X", "member_email": "x@example.net"]),
                ("\(foreign)/access-code", [:]),
                ("\(foreign)/members/\(member)/suspend", [:]),
                ("\(foreign)/members/\(member)/reactivate", [:]),
                ("\(foreign)/equipment", ["model": "X"]),
                ("\(foreign)/equipment/\(theirEquipment.id.uuidString.lowercased())/delete", [:]),
                ("\(foreign)/notes", ["note_body": "x"]),
                ("\(foreign)/tasks", ["task_title": "x"]),
                // Their member and equipment under my own account id.
                ("\(mine.accountPath)/members/\(member)/suspend", [:]),
                ("\(mine.accountPath)/equipment/\(theirEquipment.id.uuidString.lowercased())/delete", [:]),
            ]
            for (path, fields) in posts {
                try await console.get("/admin/customers")
                #expect(try await console.post(path, fields).status == .notFound, "POST \(path)")
            }
            let state = try await theirs.tenant.transaction { tx in
                (
                    try await tx.scalar("SELECT name FROM organizations WHERE id = \(theirs.organization.id)", as: String.self),
                    try await tx.scalar("SELECT status FROM customers WHERE id = \(theirs.customer.id)", as: String.self),
                    try await tx.scalar("SELECT count(*)::int FROM equipment", as: Int.self),
                    try await tx.scalar("SELECT count(*)::int FROM account_tokens WHERE kind = 'access_code'", as: Int.self),
                    try await tx.scalar("SELECT count(*)::int FROM notes", as: Int.self)
                )
            }
            #expect(state.0 == theirs.organization.name)
            #expect(state.1 == "active")
            #expect(state.2 == 1)
            #expect(state.3 == 0)
            #expect(state.4 == 0)
        }
    }
}
