import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The reads every page makes are planned once per connection and then reused. PostgreSQL keeps
/// planning a prepared statement again on every call when it prices the generic plan above the
/// custom ones; the work-order list with `OFFSET $n` was such a statement, and its planning was
/// most of the dashboard's PostgreSQL CPU. `pg_prepared_statements` counts both kinds of plan.
@Suite("Prepared statements reuse their plan")
struct PlanReuseTests {
    @Test("the dashboard's and the first list page's work-order read switches to its generic plan; later pages still work")
    func firstPageIsPlannedOnce() async throws {
        let world = try await StatementBoundsTests.world()
        let dashboardFilter = WorkOrderFilter(
            organizationId: world.customer.organizationId, statuses: [.draft, .submitted, .approved, .inProgress, .waiting],
            draftsOf: world.customer.id)
        let (plans, secondPage) = try await world.tenant.transaction { tx in
            // PostgreSQL tries five custom plans before it compares them with the generic one.
            for _ in 0..<8 {
                let orders = try await Repositories.postgres.workOrders.list(dashboardFilter, limit: 12, offset: 0, in: tx)
                #expect(orders.count == 10)
            }
            let plans = try await tx.rows(
                """
                SELECT generic_plans, custom_plans FROM pg_prepared_statements
                 WHERE statement LIKE '%FROM work_orders WHERE%ORDER BY created_at DESC, number DESC LIMIT%'
                 ORDER BY generic_plans + custom_plans DESC LIMIT 1
                """
            ).map { (try $0.decode(at: 0, as: Int.self), try $0.decode(at: 1, as: Int.self)) }
            let secondPage = try await Repositories.postgres.workOrders.list(dashboardFilter, limit: 4, offset: 8, in: tx)
            return (plans, secondPage)
        }
        let plan = try #require(plans.first, "the list statement is prepared on the connection")
        #expect(plan.0 >= 3, "generic plans used: \(plan)")
        #expect(plan.1 <= 5, "custom plans made: \(plan)")
        #expect(secondPage.count == 2, "orders 9 and 10 of the organization's ten")
    }
}
