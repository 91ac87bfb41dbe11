import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff work-order operations")
struct AdminWorkOrderTests {
    /// A tenant with an agent, a technician and a subscriber who submitted order #1001.
    struct World {
        let tenant: TestTenant
        let agent: StaffUser
        let technician: StaffUser
        let customer: Customer
        let organization: Organization
    }

    func world(orders: Int = 1) async throws -> World {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let (organization, customer) = try await tenant.signInableSubscriber()
        try await tenant.transaction { tx in
            for index in 0..<orders {
                _ = try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: organization.id, title: "Order \(index)", status: .submitted),
                    by: Actor(kind: .customer, id: customer.id, name: customer.name), in: tx)
            }
        }
        return World(tenant: tenant, agent: agent, technician: technician, customer: customer, organization: organization)
    }

    func kinds(_ world: World) async throws -> [String] {
        try await TestMailbox.messages(to: world.customer.email, tenant: world.tenant.id).map(\.kind)
    }

    @Test("approve with ETA, priority and assignee: history with the agent's name, one 'approved' email")
    func approve() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            let page = try await console.get("/admin/work-orders?status=submitted")
            #expect(page.body.contains("Order 0"))
            try await console.get("/admin/work-orders/1001")
            let approved = try await console.post(
                "/admin/work-orders/1001/approve",
                [
                    "version": "1", "estimated_completion": "2099-06-30", "priority": "high",
                    "assignee_id": world.technician.id.uuidString.lowercased(),
                ])
            #expect(approved.status == .ok)
            #expect(approved.body.contains("Approved. The subscriber is told."))
            #expect(approved.body.contains("badge--approved"))
            #expect(approved.body.contains("Avery Agent"))
            #expect(approved.body.contains("Terry Tech"))
            #expect(try await kinds(world) == ["work_order_approved"])
            let mail = try #require(try await TestMailbox.latest(to: world.customer.email, tenant: world.tenant.id, kind: "work_order_approved"))
            #expect(mail.text.contains("Tue 30 Jun 2099"))
        }
    }

    @Test("reject needs a reason, which reaches the subscriber")
    func reject() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/1001")
            let noReason = try await console.post("/admin/work-orders/1001/reject", ["version": "1", "reason": " "])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.body.contains("Give a reason"))
            try await console.get("/admin/work-orders/1001")
            let rejected = try await console.post("/admin/work-orders/1001/reject", ["version": "1", "reason": "Outside our coverage area"])
            #expect(rejected.body.contains("badge--rejected"))
            let mail = try #require(try await TestMailbox.latest(to: world.customer.email, tenant: world.tenant.id, kind: "work_order_rejected"))
            #expect(mail.text.contains("Reason: Outside our coverage area"))
        }
    }

    @Test(
        "status, progress and ETA changes: history, one email each; invalid transitions refused with the allowed ones listed; stale versions refused")
    func updates() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/1001")
            let invalid = try await console.post("/admin/work-orders/1001/update", ["version": "1", "status": "completed"])
            #expect(invalid.status == .conflict)
            #expect(invalid.body.contains("cannot go from Submitted to Completed"))
            #expect(invalid.body.contains("Approved, Rejected, Cancelled"))

            try await console.get("/admin/work-orders/1001")
            try await console.post("/admin/work-orders/1001/approve", ["version": "1"])
            try await console.post("/admin/work-orders/1001/update", ["version": "2", "status": "in_progress", "reason": "Crew on site"])
            try await console.post("/admin/work-orders/1001/update", ["version": "3", "progress": "60", "estimated_completion": "2099-07-01"])
            let stale = try await console.post("/admin/work-orders/1001/update", ["version": "3", "progress": "70"])
            #expect(stale.status == .conflict)
            #expect(stale.body.contains("changed by someone else"))
            let badProgress = try await console.post("/admin/work-orders/1001/update", ["version": "4", "progress": "140"])
            #expect(badProgress.status == .unprocessableContent)
            let page = try await console.post("/admin/work-orders/1001/update", ["version": "4", "status": "completed"])
            #expect(page.body.contains("badge--completed"))
            #expect(page.body.contains("Crew on site"))
            #expect(try await kinds(world) == ["work_order_approved", "work_order_status_changed", "work_order_progress", "work_order_completed"])
        }
    }

    @Test("shop notes reach the subscriber, internal notes and internal replies do not; shared replies are emailed")
    func notesAndReplies() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/1001")
            try await console.post(
                "/admin/work-orders/1001/update", ["version": "1", "shop_notes": "Bring the tall ladder", "internal_notes": "STAFF-ONLY-xyz"])
            try await console.post("/admin/work-orders/1001/comments", ["body": "We will call first.", "visibility": "shared"])
            try await console.post("/admin/work-orders/1001/comments", ["body": "STAFF-ONLY-comment", "visibility": "internal"])
            #expect(try await kinds(world) == ["work_order_comment"])
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let page = try await subscriber.get("/portal/work-orders/1001")
            #expect(page.body.contains("Bring the tall ladder"))
            #expect(page.body.contains("We will call first."))
            #expect(!page.body.contains("STAFF-ONLY"))
            #expect(!(try await subscriber.get("/portal/work-orders/1001/history").body.contains("STAFF-ONLY")))
        }
    }

    @Test("technicians see and update only the orders assigned to them, and cannot review or assign")
    func technicianScope() async throws {
        let world = try await world(orders: 2)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/1001")
            try await console.post("/admin/work-orders/1001/approve", ["version": "1", "assignee_id": world.technician.id.uuidString.lowercased()])

            let tech = Browser(app: app, host: world.tenant.host)
            try await tech.signInStaff(world.technician.email)
            let queue = try await tech.get("/admin/work-orders")
            #expect(queue.body.contains("#1001"))
            #expect(!queue.body.contains("#1002"))
            #expect(try await tech.get("/admin/work-orders/1002").status == .notFound)
            try await tech.get("/admin/work-orders/1001")
            let progress = try await tech.post("/admin/work-orders/1001/update", ["version": "2", "status": "in_progress", "progress": "30"])
            #expect(progress.body.contains("badge--in_progress"))
            try await tech.get("/admin/work-orders")
            #expect(try await tech.post("/admin/work-orders/1002/approve", ["version": "1"]).status == .forbidden)
            try await tech.get("/admin/work-orders")
            #expect(
                try await tech.post("/admin/work-orders/bulk", ["numbers": "1002", "bulk_action": "assign", "assignee": ""]).status == .forbidden)
        }
    }

    @Test("bulk actions report per row: one order moves, a closed one is refused with its reason")
    func bulk() async throws {
        let world = try await world(orders: 3)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/1003")
            try await console.post("/admin/work-orders/1003/reject", ["version": "1", "reason": "Duplicate"])
            try await console.get("/admin/work-orders")
            let body = "csrf_token=\(console.csrfToken!)&numbers=1001&numbers=1002&numbers=1003&bulk_action=status&status=approved&reason=Batch"
            let response = try await console.send(
                .post, "/admin/work-orders/bulk", body: body,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: console.origin])
            #expect(response.status == .ok)
            #expect(response.body.contains("2 changed, 1 not changed."))
            #expect(response.body.contains("#1003: ✗"))
            #expect(response.body.contains("cannot go from Rejected to Approved"))
            try await console.get("/admin/work-orders")
            let assign =
                "csrf_token=\(console.csrfToken!)&numbers=1001&numbers=1002&bulk_action=assign&assignee=\(world.technician.id.uuidString.lowercased())"
            let assigned = try await console.send(
                .post, "/admin/work-orders/bulk", body: assign,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: console.origin])
            #expect(assigned.body.contains("2 changed, 0 not changed."))
        }
    }

    @Test("staff create an order on behalf of an organization; an unknown account number is a clear error")
    func createOnBehalf() async throws {
        let world = try await world(orders: 0)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/new")
            let unknown = try await console.post("/admin/work-orders", ["account": "NOPE-1", "title": "Survey", "action": "approve"])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.body.contains("No subscriber has the account number"))
            try await console.get("/admin/work-orders/new")
            let created = try await console.post(
                "/admin/work-orders", ["account": world.organization.accountNumber, "title": "Site survey", "action": "approve"])
            #expect(created.header("Location") == "/admin/work-orders/1001")
            #expect(try await console.get("/admin/work-orders/1001").body.contains("badge--approved"))
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            #expect(try await subscriber.get("/portal/work-orders/1001").body.contains("Site survey"))
        }
    }

    @Test("the queue filters by account number: that account's orders only; an account no subscriber of this tenant has is a clear error")
    func queueByAccountNumber() async throws {
        let world = try await world(orders: 2)
        let (quiet, _) = try await world.tenant.signInableSubscriber(name: "Quinn Quiet")
        let neighbour = try await TestTenant.create()
        let (foreign, foreigner) = try await neighbour.signInableSubscriber(name: "Fay Foreign")
        try await neighbour.transaction { tx in
            _ = try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: foreign.id, title: "Foreign order", status: .submitted),
                by: Actor(kind: .customer, id: foreigner.id, name: foreigner.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)

            let own = try await console.get("/admin/work-orders?account=\(world.organization.accountNumber)")
            #expect(own.status == .ok)
            #expect(own.body.contains("Order 0") && own.body.contains("Order 1"))
            #expect(own.body.contains(world.organization.name))

            let none = try await console.get("/admin/work-orders?account=\(quiet.accountNumber)")
            #expect(none.status == .ok)
            #expect(!none.body.contains("Order 0"))

            let unknown = try await console.get("/admin/work-orders?account=NOPE-404")
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.body.contains("No subscriber has the account number NOPE-404."))

            // The neighbour's account numbers do not exist here, whatever they are.
            let foreignNumber = try await console.get("/admin/work-orders?account=\(foreign.accountNumber)")
            #expect(!foreignNumber.body.contains("Foreign order"))
            if foreign.accountNumber != world.organization.accountNumber && foreign.accountNumber != quiet.accountNumber {
                #expect(foreignNumber.status == .unprocessableContent)
            }
        }
    }

    @Test("another tenant's order numbers are 404 for every staff route, and nothing changes")
    func crossTenant() async throws {
        let mine = try await world(orders: 0)
        let theirs = try await world(orders: 1)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: mine.tenant.host)
            try await console.signInStaff(mine.agent.email)
            #expect(try await console.get("/admin/work-orders/1001").status == .notFound)
            for (path, fields) in [
                ("/admin/work-orders/1001/approve", ["version": "1"]), ("/admin/work-orders/1001/reject", ["version": "1", "reason": "x"]),
                ("/admin/work-orders/1001/update", ["version": "1", "status": "approved"]), ("/admin/work-orders/1001/comments", ["body": "x"]),
            ] {
                try await console.get("/admin")
                #expect(try await console.post(path, fields).status == .notFound, "POST \(path)")
            }
            let status = try await theirs.tenant.transaction { tx in try await tx.scalar("SELECT status FROM work_orders", as: String.self) }
            #expect(status == "submitted")
            #expect(try await TestMailbox.messages(to: theirs.customer.email, tenant: theirs.tenant.id).isEmpty)
        }
    }

    @Test("keyset pages walk every order once, in every sort order")
    func keysetPages() async throws {
        let world = try await world(orders: 60)
        try await world.tenant.transaction { tx in
            try await tx.execute(
                "UPDATE work_orders SET due_date = current_date + (number % 7), priority = (ARRAY['low','normal','high','urgent'])[1 + number % 4]")
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            for sort in WorkOrderSort.allCases {
                var seen: [Int] = []
                var path: String? = "/admin/work-orders?sort=\(sort.rawValue)"
                while let next = path {
                    let page = try await console.get(next.replacingOccurrences(of: "&amp;", with: "&"))
                    #expect(page.status == .ok, "\(sort) \(next)")
                    seen += page.body.components(separatedBy: "name=\"numbers\" value=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
                    // The link just before "Next page".
                    path = page.body.components(separatedBy: "\">Next page").first.flatMap { before in
                        page.body.contains("Next page") ? before.components(separatedBy: "href=\"").last : nil
                    }
                    if seen.count > 200 { break }
                }
                #expect(seen.count == 60, "\(sort): \(seen.count) rows")
                #expect(Set(seen).count == 60, "\(sort): duplicates")
            }
        }
    }
}
