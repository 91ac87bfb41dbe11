import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The live streams tell each person only about what their pages show: technicians hear of
/// the orders and visits assigned to them, nobody but its author hears of a draft.
@Suite("Live updates are scoped like the pages")
struct LiveEventScopeTests {
    struct World {
        let tenant: TestTenant
        let technician: StaffUser
        let colleague: StaffUser
        let agent: StaffUser
        let organization: Organization
        let author: Customer
        let member: Customer
        let mine: Int
        let theirs: Int
        let unassigned: Int
        let draft: Int
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let colleague = try await tenant.staff(role: .technician, name: "Cora Colleague")
        let agent = try await tenant.staff(role: .agent)
        let (organization, author) = try await tenant.signInableSubscriber(name: "Ada Author")
        let hash = try await TestPasswords.hash()
        return try await tenant.transaction { tx in
            let member = try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .member, name: "Max Member",
                    email: "max-\(UUID().uuidString.prefix(6).lowercased())@example.net",
                    passwordHash: hash, status: .active, emailVerified: true), in: tx)
            let actor = Actor(kind: .customer, id: author.id, name: author.name)
            func order(_ title: String, _ status: WorkOrderStatus, assignee: UUID? = nil) async throws -> Int {
                try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(
                        organizationId: organization.id, title: title, status: status,
                        assigneeId: assignee), by: actor, in: tx
                ).number
            }
            return World(
                tenant: tenant, technician: technician, colleague: colleague, agent: agent, organization: organization,
                author: author, member: member,
                mine: try await order("Mine", .approved, assignee: technician.id),
                theirs: try await order("Theirs", .approved, assignee: colleague.id),
                unassigned: try await order("Nobody's", .submitted),
                draft: try await order("Draft", .draft))
        }
    }

    /// Opens an event stream with the browser's session; returns its collector and task.
    func listen(_ app: TestApp, _ browser: Browser, _ path: String) async throws -> (StreamCollector, Task<Void, Never>) {
        let cookie = try #require(browser.cookie("portico_session"))
        let collector = StreamCollector()
        let task = Task {
            _ = try? await app.stream(.get, path, host: browser.host, headers: [.cookie: "portico_session=\(cookie)"], into: collector)
        }
        try await eventually(timeout: .seconds(20)) { collector.text.contains(": connected") }
        return (collector, task)
    }

    func mentions(_ collector: StreamCollector, _ number: Int) -> Bool { collector.text.contains("\"number\":\(number)}") }

    @Test(
        "a technician's console stream carries only their own orders and visits; an agent's carries everything but drafts; members never hear of another's draft"
    )
    func scoped() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let technician = Browser(app: app, host: world.tenant.host)
            try await technician.signInStaff(world.technician.email)
            let agent = Browser(app: app, host: world.tenant.host)
            try await agent.signInStaff(world.agent.email)
            let member = Browser(app: app, host: world.tenant.host)
            try await member.signInCustomer(world.member.email)
            let (techStream, techTask) = try await listen(app, technician, "/admin/events")
            let (agentStream, agentTask) = try await listen(app, agent, "/admin/events")
            let (memberStream, memberTask) = try await listen(app, member, "/portal/events")
            defer { techTask.cancel(); agentTask.cancel(); memberTask.cancel() }

            // Changes the technician must not hear of: another technician's order and visit, an
            // unassigned order, a comment on another's order, a draft, a task.
            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET progress = 20 WHERE number = \(world.theirs)")
                try await tx.execute("UPDATE work_orders SET progress = 5 WHERE number = \(world.unassigned)")
                try await tx.execute("UPDATE work_orders SET title = 'Draft, edited' WHERE number = \(world.draft)")
                let theirs = try #require(try await Repositories.postgres.workOrders.find(number: world.theirs, organization: nil, in: tx))
                _ = try await Repositories.postgres.workOrders.addComment(
                    to: theirs.id, body: "Internal", visibility: .internalOnly,
                    by: Actor(kind: .staff, id: world.agent.id, name: "Agent"), in: tx)
                let start = Date().addingTimeInterval(86_400)
                _ = try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: world.organization.id, kind: .repair, startsAt: start, endsAt: start.addingTimeInterval(3600),
                        technicianId: world.colleague.id), in: tx)
                _ = try await Repositories.postgres.tasks.create(NewTask(organizationId: world.organization.id, title: "Grant roof access"), in: tx)
            }
            // Then one they must hear of. NOTIFY keeps commit order, so once it arrives the
            // others would have too.
            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET progress = 40 WHERE number = \(world.mine)")
            }
            try await eventually(timeout: .seconds(10)) {
                mentions(techStream, world.mine) && mentions(agentStream, world.mine) && mentions(memberStream, world.mine)
            }
            #expect(!mentions(techStream, world.theirs))
            #expect(!mentions(techStream, world.unassigned))
            #expect(!mentions(techStream, world.draft))
            #expect(!techStream.text.contains("\"type\":\"appointment\""))
            #expect(!techStream.text.contains("\"type\":\"tasks\""))

            #expect(mentions(agentStream, world.theirs) && mentions(agentStream, world.unassigned))
            #expect(agentStream.text.contains("\"type\":\"appointment\""))
            #expect(!mentions(agentStream, world.draft))

            #expect(mentions(memberStream, world.theirs))
            #expect(!mentions(memberStream, world.draft))
        }
    }

    @Test("an order assigned to a technician, or taken from them, reaches their stream; so does their own visit")
    func assignmentChanges() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let technician = Browser(app: app, host: world.tenant.host)
            try await technician.signInStaff(world.technician.email)
            let (stream, task) = try await listen(app, technician, "/admin/events")
            defer { task.cancel() }
            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET assignee_id = \(world.technician.id) WHERE number = \(world.unassigned)")
            }
            try await eventually(timeout: .seconds(10)) { mentions(stream, world.unassigned) }
            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET assignee_id = \(world.colleague.id) WHERE number = \(world.mine)")
            }
            try await eventually(timeout: .seconds(10)) { mentions(stream, world.mine) }
            try await world.tenant.transaction { tx in
                let start = Date().addingTimeInterval(86_400)
                _ = try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: world.organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(3600),
                        technicianId: world.technician.id), in: tx)
            }
            try await eventually(timeout: .seconds(10)) { stream.text.contains("\"type\":\"appointment\"") }
        }
    }
}
