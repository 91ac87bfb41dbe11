import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// A draft is its author's alone: no other member of the organization, no staff member and no
/// integration opens, lists, counts, exports or acts on it — the same 404 as a missing number —
/// until it is submitted. A draft its author discarded stays private too.
@Suite("Drafts are private to their author")
struct DraftPrivacyTests {
    struct World {
        let tenant: TestTenant
        let organization: Organization
        let author: Customer
        let member: Customer
        let agent: StaffUser
        let admin: StaffUser
        let draft: WorkOrder
        let discarded: WorkOrder
        let submitted: WorkOrder
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        let admin = try await tenant.staff(role: .admin)
        let (organization, author) = try await tenant.signInableSubscriber(name: "Ada Author")
        let hash = try await TestPasswords.hash()
        let tag = UUID().uuidString.prefix(6).lowercased()
        return try await tenant.transaction { tx in
            let member = try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .member, name: "Max Member", email: "max-\(tag)@example.net",
                    passwordHash: hash, status: .active, emailVerified: true), in: tx)
            let actor = Actor(kind: .customer, id: author.id, name: author.name)
            let orders = Repositories.postgres.workOrders
            let draft = try await orders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Secret draft \(tag)",
                    description: "Half a thought", status: .draft), by: actor, in: tx)
            let abandoned = try await orders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Abandoned draft \(tag)",
                    description: "Never mind", status: .draft), by: actor, in: tx)
            let discarded = try await orders.update(
                abandoned, changes: [.init(.status, WorkOrderStatus.cancelled.rawValue)],
                expectedVersion: abandoned.version, by: actor, reason: "Changed my mind", in: tx)
            let submitted = try await orders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Submitted order \(tag)",
                    description: "Please come", status: .submitted), by: actor, in: tx)
            return World(
                tenant: tenant, organization: organization, author: author, member: member, agent: agent, admin: admin,
                draft: draft, discarded: discarded, submitted: submitted)
        }
    }

    /// Every column of every order, to prove a refused request changed nothing.
    func snapshot(_ world: World) async throws -> String {
        try await world.tenant.transaction { tx in
            try await tx.scalar(
                """
                SELECT string_agg(number || ':' || status || ':' || version || ':' || title, ',' ORDER BY number) FROM work_orders
                """, as: String.self) ?? ""
        }
    }

    @Test("another member of the organization: the same 404 as a missing number on every page and action; lists, dashboard and API never show it")
    func otherMembers() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let member = Browser(app: app, host: world.tenant.host)
            #expect(try await member.signInCustomer(world.member.email).status == .seeOther)
            let before = try await snapshot(world)
            for number in [world.draft.number, world.discarded.number] {
                let missing = try await member.get("/portal/work-orders/999999")
                let page = try await member.get("/portal/work-orders/\(number)")
                #expect(page.status == .notFound, "#\(number)")
                #expect(page.status == missing.status)
                for path in ["edit", "history", "history.csv"] {
                    #expect(try await member.get("/portal/work-orders/\(number)/\(path)").status == .notFound, "\(path) #\(number)")
                }
                for (path, fields) in [
                    ("edit", ["title": "Hijacked", "version": "1", "action": "submit"]),
                    ("autosave", ["title": "Hijacked", "version": "1"]),
                    ("cancel", ["reason": "Not yours", "version": "1"]),
                    ("comments", ["body": "Peeking"]),
                ] {
                    try await member.get("/portal/work-orders")  // a page with the form token
                    #expect(try await member.post("/portal/work-orders/\(number)/\(path)", fields).status == .notFound, "\(path) #\(number)")
                }
            }
            #expect(try await snapshot(world) == before)

            let list = try await member.get("/portal/work-orders")
            #expect(list.body.contains(world.submitted.title))
            #expect(!list.body.contains(world.draft.title) && !list.body.contains(world.discarded.title))
            let drafts = try await member.get("/portal/work-orders?status=draft")
            #expect(!drafts.body.contains(world.draft.title))
            let dashboard = try await member.get("/portal")
            #expect(dashboard.body.contains(world.submitted.title))
            #expect(!dashboard.body.contains(world.draft.title))

            let api = APIClient(app: app, host: world.tenant.host, token: try await WorkOrderAPIFixture.token(world.tenant, world.member))
            #expect(try await api.get("/api/v1/work-orders/\(world.draft.number)").status == .notFound)
            #expect(try await api.get("/api/v1/work-orders/\(world.draft.number)/history").status == .notFound)
            let listed = try await api.get("/api/v1/work-orders")
            #expect(listed["items"]?.array?.compactMap { $0["number"]?.int } == [world.submitted.number])

            // The author still has both, in pages and the API.
            let author = Browser(app: app, host: world.tenant.host)
            try await author.signInCustomer(world.author.email)
            #expect(try await author.get("/portal/work-orders/\(world.draft.number)").status == .ok)
            #expect(try await author.get("/portal/work-orders/\(world.discarded.number)").status == .ok)
            #expect(try await author.get("/portal/work-orders").body.contains(world.draft.title))
            let own = APIClient(app: app, host: world.tenant.host, token: try await WorkOrderAPIFixture.token(world.tenant, world.author))
            #expect(
                Set(try await own.get("/api/v1/work-orders")["items"]?.array?.compactMap { $0["number"]?.int } ?? [])
                    == [world.draft.number, world.discarded.number, world.submitted.number])
        }
    }

    @Test("staff: detail, actions (submitting it on the subscriber's behalf included), queue, search, view-as and exports never reach a draft")
    func staff() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.admin.email)
            let before = try await snapshot(world)
            let missing = try await console.get("/admin/work-orders/999999")
            for number in [world.draft.number, world.discarded.number] {
                let page = try await console.get("/admin/work-orders/\(number)")
                #expect(page.status == .notFound, "#\(number)")
                #expect(page.status == missing.status)
                for (path, fields) in [
                    ("update", ["status": "submitted", "version": "1", "reason": "On their behalf"]),
                    ("approve", ["version": "1"]),
                    ("reject", ["version": "1", "reason": "No"]),
                    ("comments", ["body": "Hello", "visibility": "internal"]),
                ] {
                    try await console.get("/admin/work-orders")  // a page with the form token
                    #expect(try await console.post("/admin/work-orders/\(number)/\(path)", fields).status == .notFound, "\(path) #\(number)")
                }
            }
            try await console.get("/admin/work-orders")
            let bulk = try await console.post(
                "/admin/work-orders/bulk",
                [
                    "numbers": String(world.draft.number), "bulk_action": "status",
                    "status": "submitted", "reason": "x",
                ])
            #expect(bulk.body.contains("0 changed, 1 not changed"))
            #expect(try await snapshot(world) == before)

            let queue = try await console.get("/admin/work-orders")
            #expect(queue.body.contains(world.submitted.title))
            #expect(!queue.body.contains(world.draft.title) && !queue.body.contains(world.discarded.title))
            for query in ["q=Secret", "q=%23\(world.draft.number)", "status=draft", "status=cancelled"] {
                let found = try await console.get("/admin/work-orders?\(query)")
                #expect(!found.body.contains(world.draft.title) && !found.body.contains(world.discarded.title), "\(query)")
            }
            let account = world.organization.id.uuidString.lowercased()
            let detail = try await console.get("/admin/customers/\(account)")
            #expect(!detail.body.contains(world.draft.title))
            let viewAs = try await console.get("/admin/customers/\(account)/view-as")
            #expect(viewAs.body.contains(world.submitted.title))
            #expect(!viewAs.body.contains(world.draft.title) && !viewAs.body.contains(world.discarded.title))
            let export = try await console.get("/admin/export/work-orders.csv")
            #expect(export.body.contains(world.submitted.title))
            #expect(!export.body.contains(world.draft.title) && !export.body.contains(world.discarded.title))
            let history = try await console.get("/admin/export/work-order-history.csv")
            #expect(!history.body.contains("\(world.draft.number),"))
            #expect(history.body.contains("\(world.submitted.number),"))
        }
    }

    @Test("integration API: reading, listing and moving a draft is the same 404 as a missing number")
    func integration() async throws {
        let world = try await world()
        let key = try await IntegrationSupport.key(world.tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, world.tenant, key: key)
            let before = try await snapshot(world)
            for number in [world.draft.number, world.discarded.number] {
                #expect(try await api.get("/api/v1/admin/work-orders/\(number)").status == .notFound)
                #expect(try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "submitted"]).status == .notFound)
            }
            #expect(try await snapshot(world) == before)
            let listed = try await api.get("/api/v1/admin/work-orders")
            #expect(listed["items"]?.array?.compactMap { $0["number"]?.int } == [world.submitted.number])
        }
    }

    @Test("once submitted, the draft is everyone's business: the other member and staff see it")
    func submittedDraftBecomesVisible() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let author = Browser(app: app, host: world.tenant.host)
            try await author.signInCustomer(world.author.email)
            try await author.get("/portal/work-orders/\(world.draft.number)/edit")
            let submitted = try await author.post(
                "/portal/work-orders/\(world.draft.number)/edit",
                [
                    "title": world.draft.title, "description": "Now complete", "priority": "normal", "quantity": "1",
                    "version": String(world.draft.version), "action": "submit",
                ])
            #expect(submitted.status == .seeOther)
            let member = Browser(app: app, host: world.tenant.host)
            try await member.signInCustomer(world.member.email)
            #expect(try await member.get("/portal/work-orders/\(world.draft.number)").status == .ok)
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            #expect(try await console.get("/admin/work-orders/\(world.draft.number)").status == .ok)
        }
    }
}
