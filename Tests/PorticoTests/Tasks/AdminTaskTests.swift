import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: tasks")
struct AdminTaskTests: AppointmentScenario {
    // MARK: Tasks

    @Test("tasks from /admin/tasks: validation, one email to the member named (or the owners), audited, listed open then done")
    func tasks() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get("/admin/tasks")
            let base = ["account": world.organization.accountNumber, "task_title": "Clear the roof access", "task_due": TestDates.day(5)]
            let refused: [([String: String], String)] = [
                (["account": ""], "Enter the subscriber&#39;s account number"),
                (["account": "nope"], "No subscriber has the account number"),
                (["task_title": " "], "Say what the subscriber should do"),
                (["task_due": "soon"], "Use a date like"),
                (["task_due": TestDates.day(-3)], "Choose today or a later date."),
                (["task_customer": world.otherCustomer.email], "No member of"),
                (["task_work_order": "\(world.otherOrder.number)"], "is not one of this subscriber&#39;s work orders"),
            ]
            for (change, message) in refused {
                let response = try await console.post("/admin/tasks", base.merging(change) { $1 })
                #expect(response.status == .unprocessableContent, "\(change)")
                #expect(
                    response.body.contains(message) || response.body.contains(message.replacingOccurrences(of: "&#39;", with: "'")),
                    "\(change): \(message)")
            }
            let none = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM tasks", as: Int.self) }
            #expect(none == 0)
            #expect(try await outboxCount(world) == 0)

            let created = try await console.post(
                "/admin/tasks", base.merging(["task_customer": world.customer.email, "task_work_order": "\(world.order.number)"]) { $1 })
            #expect(created.status == .ok)
            #expect(created.body.contains("The subscriber is told."))
            #expect(created.body.contains("Clear the roof access"))
            #expect(try await outboxCount(world) == 1)
            #expect(try await mailKinds(world) == ["task_assigned"])
            #expect(try await auditActions(world) == ["task.created"])
            let row = try #require(
                try await world.tenant.transaction { tx in
                    try await Repositories.postgres.tasks.list(organization: world.organization.id, status: nil, in: tx).first
                })
            #expect(row.customerId == world.customer.id)
            #expect(row.workOrderId == world.order.id)
            #expect(row.dueDate == TestDates.day(5))

            // For the whole account: the owner hears.
            try await console.post("/admin/tasks", ["account": world.otherOrganization.accountNumber, "task_title": "Trim the tree"])
            #expect(try await mailKinds(world, to: world.otherCustomer) == ["task_assigned"])

            let filtered = try await console.get("/admin/tasks?account=\(world.otherOrganization.accountNumber)")
            #expect(filtered.body.contains("Trim the tree"))
            #expect(!filtered.body.contains("Clear the roof access"))
            #expect(try await console.get("/admin/tasks?status=maybe").status == .unprocessableContent)
            try await console.get("/admin/tasks")

            let done = try await console.post("/admin/tasks/\(row.id.uuidString.lowercased())/done")
            #expect(done.body.contains("is marked done"))
            #expect(!(try await console.get("/admin/tasks").body.contains("Clear the roof access")))
            #expect(try await console.get("/admin/tasks?status=done").body.contains("Clear the roof access"))
            #expect(try await console.post("/admin/tasks/\(row.id.uuidString.lowercased())/done").status == .conflict)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.otherCustomer.email)
            #expect(try await subscriber.get("/portal/tasks").body.contains("Trim the tree"))
        }
    }
}
