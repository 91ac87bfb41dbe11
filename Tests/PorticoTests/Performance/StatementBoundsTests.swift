import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The main pages ask the database for a fixed amount of work however many rows they show:
/// one transaction per request (the session lookup and the page's reads share it) and a bounded
/// number of statements. A query per row (N+1) or a second transaction shows up here as a
/// failed bound, without timing anything. The bounds count `BEGIN`, the tenant setting, the
/// session lookup and `COMMIT` too.
@Suite("Statement bounds per request")
struct StatementBoundsTests {
    /// 30 work orders across three organizations, assigned to two staff members, with an
    /// appointment, so that anything fetched per row or per organization would multiply.
    struct World {
        let tenant: TestTenant
        let agent: StaffUser
        let customer: Customer
        let token: String
        let ownNumber: Int
    }

    static func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Bo Bounds")
        let others = [try await tenant.subscriber(name: "Olga Other"), try await tenant.subscriber(name: "Otto Other")]
        let owners = [(organization, customer)] + others
        let numbers = try await tenant.transaction { tx in
            var numbers: [Int] = []
            for index in 0..<30 {
                let (org, owner) = owners[index % owners.count]
                let order = try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: org.id, title: "Order \(index)", status: .submitted),
                    by: Actor(kind: .customer, id: owner.id, name: owner.name), in: tx)
                numbers.append(order.number)
            }
            try await tx.execute(
                """
                UPDATE work_orders SET status = 'approved', approved_at = now(),
                       assignee_id = CASE WHEN number % 2 = 0 THEN \(agent.id)::uuid ELSE \(technician.id)::uuid END
                 WHERE number % 3 = 0
                """)
            let first = try #require(try await Repositories.postgres.workOrders.find(number: numbers[0], organization: nil, in: tx))
            try await tx.execute(
                """
                INSERT INTO appointments (tenant_id, organization_id, work_order_id, starts_at, ends_at, technician_id, status)
                VALUES (\(tx.tenant), \(organization.id), \(first.id), now() + interval '1 day', now() + interval '1 day 2 hours', \(technician.id), 'confirmed')
                """)
            try await tx.execute(
                """
                UPDATE work_orders SET assignee_id = \(technician.id) WHERE id = \(first.id)
                """)
            return numbers
        }
        let token = try await tenant.transaction { tx in
            try await Repositories.postgres.apiTokens.issue(customer: customer.id, origin: .init(ip: "192.0.2.1", userAgent: "t"), in: tx)
        }.accessToken
        return World(tenant: tenant, agent: agent, customer: customer, token: token, ownNumber: numbers[0])
    }

    /// An application that does not follow tenancy notifications. The tenant directory forgets
    /// the unknown hosts on every one, and the suites running beside this one create tenants all
    /// the time; an application that follows nothing counts only what the page itself asks.
    /// These pages need no live updates.
    static func app<T: Sendable>(_ body: (TestApp) async throws -> T) async throws -> T {
        try await TestApp.withoutListener(try await TestApp.dependencies(), body)
    }

    /// Fetches `path` once to warm caches (tenant directory, templates), then counts a second fetch.
    static func counted(_ browser: Browser, _ path: String) async throws -> (HTTPTestResponse, QueryTally.Counts) {
        _ = try await browser.get(path)
        return try await QueryCount.of { try await browser.get(path) }
    }

    static func expect(_ counts: QueryTally.Counts, transactions: Int = 1, statements: Int, roundTrips: Int? = nil, _ page: String) {
        #expect(counts.transactions <= transactions, "\(page): \(counts)")
        #expect(counts.statements <= statements, "\(page): \(counts)")
        if let roundTrips { #expect(counts.roundTrips <= roundTrips, "\(page): \(counts)") }
    }

    @Test("subscriber pages: dashboard, work-order list and detail, service page each run in one transaction")
    func subscriberPages() async throws {
        let world = try await Self.world()
        try await Self.app { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            _ = try await browser.signInCustomer(world.customer.email)

            let (dashboard, dashboardCounts) = try await Self.counted(browser, "/portal")
            #expect(dashboard.status == .ok)
            #expect(dashboard.body.contains("Add to calendar"))  // the next appointment
            // The session lookup (with BEGIN), then the page's reads with COMMIT.
            Self.expect(dashboardCounts, statements: 9, roundTrips: 2, "dashboard")

            let (list, listCounts) = try await Self.counted(browser, "/portal/work-orders")
            #expect(list.status == .ok)
            #expect(list.body.contains("Order 27"))
            #expect(!list.body.contains("Order 29"))  // another organization's
            Self.expect(listCounts, statements: 7, roundTrips: 2, "portal work-order list")

            let (detail, detailCounts) = try await Self.counted(browser, "/portal/work-orders/\(world.ownNumber)")
            #expect(detail.status == .ok)
            #expect(detail.body.contains("Order 0"))
            // The session lookup, the order, then everything about it with COMMIT.
            Self.expect(detailCounts, statements: 9, roundTrips: 3, "portal work-order detail")

            let (service, serviceCounts) = try await Self.counted(browser, "/portal/service")
            #expect(service.status == .ok)
            #expect(service.body.contains("Bo Bounds household"))
            // The session lookup (with BEGIN), then account, equipment and installs with COMMIT.
            Self.expect(serviceCounts, statements: 7, roundTrips: 2, "portal service page")
        }
    }

    @Test("console pages: work-order queue, detail, command centre and subscriber account each run in one transaction")
    func consolePages() async throws {
        let world = try await Self.world()
        try await Self.app { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            _ = try await console.signInStaff(world.agent.email)

            let (queue, queueCounts) = try await Self.counted(console, "/admin/work-orders")
            #expect(queue.status == .ok)
            // Every row names its organization, from one query for all of them.
            #expect(queue.body.contains("Olga Other household"))
            #expect(queue.body.contains("Otto Other household"))
            #expect(queue.body.contains("Bo Bounds household"))
            Self.expect(queueCounts, statements: 8, roundTrips: 2, "console work-order queue")

            let (detail, detailCounts) = try await Self.counted(console, "/admin/work-orders/\(world.ownNumber)")
            #expect(detail.status == .ok)
            // The session lookup, the order, then everything about it with COMMIT.
            Self.expect(detailCounts, statements: 11, roundTrips: 3, "console work-order detail")

            let (home, homeCounts) = try await Self.counted(console, "/admin")
            #expect(home.status == .ok)
            // The session lookup (with BEGIN), then the six reads with COMMIT.
            Self.expect(homeCounts, statements: 10, roundTrips: 2, "command centre")

            let account = try await world.tenant.transaction { tx in
                try await Repositories.postgres.customers.find(id: world.customer.id, in: tx)
            }
            let accountPath = "/admin/customers/\(try #require(account).organizationId.uuidString.lowercased())"
            let (customer, customerCounts) = try await Self.counted(console, accountPath)
            #expect(customer.status == .ok)
            #expect(customer.body.contains("Bo Bounds"))
            #expect(customer.body.contains("Order 27"))  // its newest orders
            #expect(customer.body.contains("Terry Tech"))  // its visit's technician, from the team read
            // The session lookup (with BEGIN), then the account's nine reads with COMMIT.
            Self.expect(customerCounts, statements: 13, roundTrips: 2, "console subscriber account")
        }
    }

    @Test("the subscriber API's work-order list runs in the token check's transaction")
    func apiList() async throws {
        let world = try await Self.world()
        try await Self.app { (app: TestApp) async throws in
            let api = APIClient(app: app, host: world.tenant.host, token: world.token)
            _ = try await api.get("/api/v1/work-orders")
            let (list, counts) = try await QueryCount.of { try await api.get("/api/v1/work-orders") }
            #expect(list.status == .ok)
            #expect(list.body.contains("Order 27"))
            Self.expect(counts, statements: 5, "API work-order list")
        }
    }

    @Test("the integration API's customer and work-order sync lists name every row's organization from one query, not one per organization")
    func integrationSyncLists() async throws {
        let world = try await Self.world()
        let key = try await IntegrationSupport.key(world.tenant)
        try await world.tenant.transaction { tx in
            try await tx.execute("UPDATE organizations SET external_id = 'crm-' || account_number")
        }
        try await Self.app { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, world.tenant, key: key)
            _ = try await api.get("/api/v1/admin/work-orders?limit=100")
            let (orders, orderCounts) = try await QueryCount.of { try await api.get("/api/v1/admin/work-orders?limit=100") }
            #expect(orders.status == .ok)
            let items = orders["items"]?.array ?? []
            #expect(items.count == 30)
            // Three organizations, each named on its rows by its external id.
            #expect(Set(items.compactMap { $0["organization_external_id"]?.string }).count == 3)
            // The API key is checked in a transaction of its own (not yet shared with the handler's,
            // as the subscriber API's token is): two. A query per organization would add two more.
            Self.expect(orderCounts, transactions: 2, statements: 10, "integration work-order sync")

            let (customers, customerCounts) = try await QueryCount.of { try await api.get("/api/v1/admin/customers?limit=100") }
            #expect(customers.status == .ok)
            let people = customers["items"]?.array ?? []
            #expect(people.count == 3)
            #expect(Set(people.compactMap { $0["organization_external_id"]?.string }).count == 3)
            Self.expect(customerCounts, transactions: 2, statements: 10, "integration customer sync")
        }
    }

    @Test("task and visit lists — portal, console and subscriber API — name work orders and technicians from one query each, not one per row")
    func taskAndVisitLists() async throws {
        let world = try await Self.world()
        // Six tasks and three more visits on the subscriber's own work orders, with two technicians.
        try await world.tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tasks (tenant_id, organization_id, customer_id, work_order_id, title)
                SELECT tenant_id, organization_id, \(world.customer.id), id, 'Task for ' || title
                  FROM work_orders WHERE organization_id = \(world.customer.organizationId) ORDER BY number LIMIT 6
                """)
            try await tx.execute(
                """
                INSERT INTO appointments (tenant_id, organization_id, work_order_id, starts_at, ends_at, technician_id, status)
                SELECT tenant_id, organization_id, id, now() + make_interval(days => 2 + (number % 3)), now() + make_interval(days => 2 + (number % 3), hours => 2),
                       CASE WHEN number % 2 = 0 THEN \(world.agent.id)::uuid ELSE NULL END, 'confirmed'
                  FROM work_orders WHERE organization_id = \(world.customer.organizationId) ORDER BY number DESC LIMIT 3
                """)
        }
        try await Self.app { (app: TestApp) async throws in
            let portal = Browser(app: app, host: world.tenant.host)
            _ = try await portal.signInCustomer(world.customer.email)
            let (tasks, taskCounts) = try await Self.counted(portal, "/portal/tasks")
            #expect(tasks.status == .ok && tasks.body.contains("Task for Order 0"))
            Self.expect(taskCounts, statements: 7, "portal tasks")
            let (visits, visitCounts) = try await Self.counted(portal, "/portal/appointments")
            #expect(visits.status == .ok && visits.body.contains("Terry Tech"))
            // The visits, their technicians and work orders, and the feed link: one read.
            Self.expect(visitCounts, statements: 8, "portal appointments")

            let console = Browser(app: app, host: world.tenant.host)
            _ = try await console.signInStaff(world.agent.email)
            let (consoleTasks, consoleTaskCounts) = try await Self.counted(console, "/admin/tasks")
            #expect(consoleTasks.status == .ok && consoleTasks.body.contains("Task for Order 0"))
            Self.expect(consoleTaskCounts, statements: 9, "console tasks")
            let (consoleVisits, consoleVisitCounts) = try await Self.counted(console, "/admin/appointments")
            #expect(consoleVisits.status == .ok)
            Self.expect(consoleVisitCounts, statements: 7, "console appointments")

            let api = APIClient(app: app, host: world.tenant.host, token: world.token)
            _ = try await api.get("/api/v1/tasks")
            let (apiTasks, apiTaskCounts) = try await QueryCount.of { try await api.get("/api/v1/tasks") }
            #expect((apiTasks["items"]?.array ?? []).compactMap { $0["work_order_number"]?.int }.count == 6, "\(apiTasks.body.prefix(300))")
            Self.expect(apiTaskCounts, statements: 7, "API tasks")
            let (apiVisits, apiVisitCounts) = try await QueryCount.of { try await api.get("/api/v1/appointments") }
            #expect((apiVisits["items"]?.array ?? []).count == 4)
            Self.expect(apiVisitCounts, statements: 8, "API appointments")
        }
    }
}
