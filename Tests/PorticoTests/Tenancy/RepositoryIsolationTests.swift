import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Tenant isolation through the repositories")
struct RepositoryIsolationTests {
    @Test("three tenants write the same kinds of rows; each reads back only its own")
    func threeTenants() async throws {
        let repositories = Repositories.postgres
        var created: [(TestTenant, UUID, Int)] = []
        for index in 0..<3 {
            let tenant = try await TestTenant.create()
            let (organization, customer) = try await tenant.subscriber(name: "Owner \(index)")
            let order = try await tenant.transaction { tx in
                let actor = Actor(kind: .customer, id: customer.id, name: customer.name)
                let order = try await repositories.workOrders.create(
                    NewWorkOrder(organizationId: organization.id, title: "Order of tenant \(index)", status: .submitted), by: actor, in: tx)
                _ = try await repositories.notes.create(
                    organization: organization.id, customer: nil, body: "note \(index)", visibility: .shared, author: actor, in: tx)
                _ = try await repositories.tasks.create(NewTask(organizationId: organization.id, title: "task \(index)"), in: tx)
                return order
            }
            created.append((tenant, organization.id, order.number))
        }
        for (index, (tenant, organizationID, number)) in created.enumerated() {
            try await tenant.transaction { tx in
                let orders = try await repositories.workOrders.list(WorkOrderFilter(), limit: 100, offset: 0, in: tx)
                #expect(orders.map(\.title) == ["Order of tenant \(index)"])
                #expect(try await repositories.organizations.list(search: nil, limit: 100, offset: 0, in: tx).map(\.id) == [organizationID])
                #expect(try await repositories.tasks.list(organization: nil, status: nil, in: tx).map(\.title) == ["task \(index)"])
                // Another tenant's organization id finds nothing here.
                for (other, otherOrganization, _) in created where other.id != tenant.id {
                    #expect(try await repositories.organizations.find(id: otherOrganization, in: tx) == nil)
                    #expect(try await repositories.notes.list(organization: otherOrganization, sharedOnly: false, limit: 10, in: tx).isEmpty)
                }
                // Work-order numbers are per tenant: every tenant's first order is #1001.
                #expect(number == 1001)
            }
        }
    }

    @Test("a one-connection pool alternating tenants, failing mid-transaction, never shows the previous tenant")
    func alternatingOnOneConnection() async throws {
        let database = try await TestCluster.database()
        let pool = ConnectionPool(configuration: PoolConfiguration(conninfo: database.appURL, maxConnections: 1))
        let tenantA = try await TestTenant.create()
        let tenantB = try await TestTenant.create()
        _ = try await tenantA.subscriber(name: "Alice A")
        _ = try await tenantB.subscriber(name: "Bob B")
        struct Boom: Error {}

        for round in 0..<6 {
            let (tenant, expected) = round % 2 == 0 ? (tenantA, "Alice A") : (tenantB, "Bob B")
            // A transaction that fails half-way through, after reading.
            await #expect(throws: Boom.self) {
                try await pool.withTenant(tenant.id) { tx in
                    _ = try await tx.rows("SELECT name FROM customers")
                    throw Boom()
                }
            }
            // A transaction that fails with a database error.
            await #expect(throws: PostgresError.self) {
                try await pool.withTenant(tenant.id) { tx in try await tx.execute("SELECT 1/0") }
            }
            // The next transaction of the other tenant sees only its own rows…
            let other = round % 2 == 0 ? tenantB : tenantA
            let otherNames = try await pool.withTenant(other.id) { tx in
                try await tx.rows("SELECT name FROM customers").map { try $0.decode("name", as: String.self) }
            }
            #expect(otherNames == [round % 2 == 0 ? "Bob B" : "Alice A"])
            // …and a transaction without a tenant sees nothing at all.
            let none = try await pool.withTransaction { tx in try await tx.rows("SELECT name FROM customers").count }
            #expect(none == 0)
            let names = try await pool.withTenant(tenant.id) { tx in
                try await tx.rows("SELECT name FROM customers").map { try $0.decode("name", as: String.self) }
            }
            #expect(names == [expected])
        }
        await pool.close()
    }
}
