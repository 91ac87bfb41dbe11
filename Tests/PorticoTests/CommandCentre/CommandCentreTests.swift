import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: command centre")
struct CommandCentreTests {
    /// A tenant's day: #1001 awaits approval, #1002 is approved, unassigned and due today,
    /// #1003 is the technician's and overdue; one appointment today, one reschedule request,
    /// one undeliverable email.
    struct Day {
        let tenant: TestTenant
        let agent: StaffUser
        let technician: StaffUser
        let organization: Organization
        let customer: Customer
    }

    func day() async throws -> Day {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Casey Centre")
        let by = Actor(kind: .customer, id: customer.id, name: customer.name)
        try await tenant.transaction { tx in
            for title in ["Dish misaligned", "New mast", "Router swap"] {
                _ = try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: organization.id, title: title, status: .submitted),
                    by: by, in: tx)
            }
            try await tx.execute("UPDATE work_orders SET status = 'approved', approved_at = now(), due_date = current_date WHERE number = 1002")
            try await tx.execute(
                """
                UPDATE work_orders SET status = 'in_progress', approved_at = now(), due_date = current_date - 3, assignee_id = \(technician.id)
                WHERE number = 1003
                """)
            try await tx.execute(
                """
                INSERT INTO appointments (tenant_id, organization_id, starts_at, ends_at, technician_id, status)
                VALUES (\(tx.tenant), \(organization.id), date_trunc('day', now()) + interval '23 hours', date_trunc('day', now()) + interval '23 hours 30 minutes',
                        \(technician.id), 'confirmed'),
                       (\(tx.tenant), \(organization.id), now() + interval '3 days', now() + interval '3 days 2 hours', NULL, 'reschedule_requested')
                """)
            try await tx.execute(
                """
                INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status)
                VALUES (\(tx.tenant), 'work_order.approved', 'bounce@example.net', 'Approved', 'x', '<dead@test>', 'dead')
                """)
        }
        return Day(tenant: tenant, agent: agent, technician: technician, organization: organization, customer: customer)
    }

    /// The number on the card labelled `label`.
    func card(_ label: String, in body: String) -> Int? {
        guard let range = body.range(of: "<br>\(label)</a>") else { return nil }
        let before = body[..<range.lowerBound]
        guard let open = before.range(of: "<strong class=\"card__count\">", options: .backwards) else { return nil }
        return Int(before[open.upperBound...].prefix { $0.isNumber })
    }

    @Test("an agent sees today's counts and the orders behind them; another tenant's orders never appear")
    func agentView() async throws {
        let day = try await day()
        let other = try await TestTenant.create()
        let (otherOrganization, otherCustomer) = try await other.subscriber(name: "Olive Other")
        try await other.transaction { tx in
            _ = try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: otherOrganization.id, title: "Other tenant secret", status: .submitted),
                by: Actor(kind: .customer, id: otherCustomer.id, name: otherCustomer.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: day.tenant.host)
            try await console.signInStaff(day.agent.email)
            let page = try await console.get("/admin")
            #expect(page.status == .ok)
            #expect(card("Awaiting approval", in: page.body) == 1)
            #expect(card("Overdue", in: page.body) == 1)
            #expect(card("Unassigned", in: page.body) == 1)
            #expect(card("Due today", in: page.body) == 1)
            #expect(card("Appointments today", in: page.body) == 1)
            #expect(card("Reschedule requests", in: page.body) == 1)
            #expect(card("Undeliverable emails", in: page.body) == 1)
            #expect(page.body.contains("#1001 Dish misaligned"))
            #expect(page.body.contains("#1002 New mast"))
            #expect(page.body.contains("#1003 Router swap"))
            #expect(page.body.contains("Terry Tech"))
            #expect(page.body.contains("reschedule requested"))
            #expect(!page.body.contains("Other tenant secret"))

            // The cards lead to queues that list exactly those orders.
            let dueToday = try await console.get("/admin/work-orders?due=today")
            #expect(dueToday.body.contains("New mast") && !dueToday.body.contains("Dish misaligned") && !dueToday.body.contains("Router swap"))
            #expect(try await console.get("/admin/work-orders?due=someday").status == .unprocessableContent)
            let dead = try await console.get("/admin/outbox?status=dead")
            #expect(dead.body.contains("bounce@example.net"))
            #expect(try await console.get("/admin/outbox?status=lost").status == .unprocessableContent)
        }
    }

    @Test("quick actions: approve from the list emails the subscriber once; 'assign to me' assigns with history")
    func quickActions() async throws {
        let day = try await day()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: day.tenant.host)
            try await console.signInStaff(day.agent.email)
            let home = try await console.get("/admin")
            #expect(home.body.contains("action=\"/admin/work-orders/1001/approve\""))
            let approved = try await console.post("/admin/work-orders/1001/approve", ["version": "1"])
            #expect(approved.status == .ok)
            #expect(approved.body.contains("Approved."))

            let version = try await day.tenant.transaction { tx in
                try await tx.scalar("SELECT version FROM work_orders WHERE number = 1002", as: Int.self)
            }
            try await console.get("/admin")
            let assigned = try await console.post(
                "/admin/work-orders/1002/update",
                ["version": String(version!), "assignee_id": day.agent.id.uuidString.lowercased()])
            #expect(assigned.status == .ok)
            let (status, assignee, history) = try await day.tenant.transaction { tx in
                (
                    try await tx.scalar("SELECT status FROM work_orders WHERE number = 1001", as: String.self),
                    try await tx.scalar("SELECT assignee_id FROM work_orders WHERE number = 1002", as: UUID.self),
                    try await tx.scalar(
                        """
                        SELECT count(*)::int FROM work_order_changes c JOIN work_orders w ON w.id = c.work_order_id
                        WHERE w.number = 1002 AND c.field = 'assignee_id' AND c.actor_name = 'Avery Agent'
                        """, as: Int.self)
                )
            }
            #expect(status == "approved")
            #expect(assignee == day.agent.id)
            #expect(history == 1)
            let approvals = try await TestMailbox.messages(to: day.customer.email, tenant: day.tenant.id).filter { $0.kind == "work_order_approved" }
            #expect(approvals.count == 1)

            let after = try await console.get("/admin")
            #expect(card("Awaiting approval", in: after.body) == 0)
            #expect(card("Unassigned", in: after.body) == 1, "#1002 is taken; the newly approved #1001 has nobody yet")
            #expect(after.body.contains("action=\"/admin/work-orders/1001/update\""))
            #expect(!after.body.contains("action=\"/admin/work-orders/1002/update\""))
            #expect(after.body.contains("Nothing waits for approval."))
        }
    }

    @Test("a technician sees only what is assigned to them, without review or mail counts")
    func technicianView() async throws {
        let day = try await day()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: day.tenant.host)
            try await console.signInStaff(day.technician.email)
            let page = try await console.get("/admin")
            #expect(page.status == .ok)
            #expect(page.body.contains("#1003 Router swap"))
            #expect(!page.body.contains("Dish misaligned"))
            #expect(!page.body.contains("New mast"))
            #expect(card("Overdue", in: page.body) == 1)
            #expect(card("Awaiting approval", in: page.body) == 0)
            #expect(card("Appointments today", in: page.body) == 1)
            #expect(card("Reschedule requests", in: page.body) == 0, "the request is not theirs")
            #expect(card("Unassigned", in: page.body) == nil)
            #expect(card("Undeliverable emails", in: page.body) == nil)
            #expect(!page.body.contains("/approve\""))
        }
    }

    @Test("anonymous visitors and subscribers are sent to the staff sign-in; another tenant's staff session is refused")
    func access() async throws {
        let day = try await day()
        let other = try await TestTenant.create()
        let outsider = try await other.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let anonymous = try await Browser(app: app, host: day.tenant.host).get("/admin")
            #expect(anonymous.status == .seeOther || anonymous.status == .found)
            #expect(anonymous.header("Location")?.hasPrefix("/admin/login") == true)

            let subscriber = Browser(app: app, host: day.tenant.host)
            try await subscriber.signInCustomer(day.customer.email)
            let asSubscriber = try await subscriber.get("/admin")
            #expect(asSubscriber.header("Location")?.hasPrefix("/admin/login") == true)

            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(outsider.email)
            let session = try #require(foreign.cookie("portico_session"))
            let replayed = Browser(app: app, host: day.tenant.host)
            replayed.setCookie("portico_session", session)
            let answer = try await replayed.get("/admin")
            #expect(answer.header("Location")?.hasPrefix("/admin/login") == true)
            #expect(!answer.body.contains("Dish misaligned"))
        }
    }

    @Test("an email that gives up refreshes open consoles of its tenant only")
    func liveDeadMail() async throws {
        let day = try await day()
        let other = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: day.tenant.host)
            try await console.signInStaff(day.agent.email)
            let cookie = try #require(console.cookie("portico_session"))
            let collector = StreamCollector()
            let stream = Task {
                _ = try? await app.stream(
                    .get, "/admin/events", host: day.tenant.host,
                    headers: [.cookie: "portico_session=\(cookie)"], into: collector)
            }
            try await eventually(timeout: .seconds(20)) { collector.text.contains(": connected") }
            try await other.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status)
                    VALUES (\(tx.tenant), 'work_order.approved', 'x@example.net', 'x', 'x', '<other@test>', 'failed')
                    """)
                try await tx.execute("UPDATE outbox SET status = 'dead' WHERE message_id = '<other@test>'")
            }
            try await Task.sleep(for: .milliseconds(700))
            #expect(!collector.text.contains("\"type\":\"outbox\""), "another tenant's mail is not announced here")
            try await day.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO outbox (tenant_id, kind, recipient, subject, text_body, message_id, status)
                    VALUES (\(tx.tenant), 'work_order.approved', 'y@example.net', 'y', 'y', '<mine@test>', 'failed')
                    """)
                try await tx.execute("UPDATE outbox SET status = 'dead' WHERE message_id = '<mine@test>'")
            }
            try await eventually(timeout: .seconds(2)) { collector.text.contains("\"type\":\"outbox\"") }
            stream.cancel()
            #expect(card("Undeliverable emails", in: try await console.get("/admin").body) == 2)
        }
    }
}
