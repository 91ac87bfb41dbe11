import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Background work found with one statement across tenants (migration 0039), then done for
/// the tenants that have some: a pass's cost follows the work, not the number of tenants.
@Suite("Background work across many tenants")
struct DueWorkTests {
    /// A subscriber with a confirmation link that expired eight days ago (past the default
    /// seven days' retention): one thing for the maintenance sweep to remove.
    static func expiredLink(in tenant: TestTenant) async throws -> Customer {
        let (_, customer) = try await tenant.subscriber()
        try await tenant.transaction { tx in
            try await AccountTokens.insert(
                token: "old-\(UUID())", kind: .verifyEmail, email: customer.email, customerID: customer.id,
                lifetime: .seconds(1), in: tx)
            try await tx.execute("UPDATE account_tokens SET expires_at = now() - interval '8 days' WHERE customer_id = \(customer.id)")
        }
        return customer
    }

    /// A confirmed visit in 20 hours: a reminder due.
    static func visitTomorrow(in tenant: TestTenant) async throws -> Customer {
        let (organization, customer) = try await tenant.subscriber()
        let start = Date().addingTimeInterval(20 * 3600)
        _ = try await tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(7200), status: .confirmed,
                    address: "1 Test Lane"), in: tx)
        }
        return customer
    }

    static func links(of customer: Customer, in tenant: TestTenant) async throws -> Int {
        try await tenant.transaction { tx in
            try await tx.scalar("SELECT count(*)::int FROM account_tokens WHERE customer_id = \(customer.id)", as: Int.self) ?? -1
        }
    }

    @Test("one statement names exactly the tenants with work due; one pass then does the work of all of them and touches no idle tenant")
    func onePassManyTenants() async throws {
        var busy: [(TestTenant, Customer)] = []
        var visits: [(TestTenant, Customer)] = []
        var idle: [TestTenant] = []
        for _ in 0..<8 {
            let tenant = try await TestTenant.create()
            busy.append((tenant, try await Self.expiredLink(in: tenant)))
        }
        for _ in 0..<5 {
            let tenant = try await TestTenant.create()
            visits.append((tenant, try await Self.visitTomorrow(in: tenant)))
        }
        for _ in 0..<6 {
            let tenant = try await TestTenant.create()
            _ = try await tenant.subscriber()  // live data, nothing old
            idle.append(tenant)
        }
        let ours = Set((busy.map { $0.0 } + visits.map { $0.0 } + idle).map(\.id))

        try await TestApp.with { (app: TestApp) async throws in
            let due = DueWork(pool: app.dependencies.pool)
            // Other tests create tenants in parallel: look only at this test's. Their maintenance
            // passes are global, so one may already have done some of this test's work: a busy
            // tenant is then clean, never an idle one named.
            let housekeeping = try await due.housekeeping().filter { ours.contains($0.tenant) }
            let flagged = Set(housekeeping.filter(\.retention).map(\.tenant))
            #expect(flagged.isSubset(of: Set(busy.map { $0.0.id })))
            for (tenant, customer) in busy where !flagged.contains(tenant.id) {
                #expect(try await Self.links(of: customer, in: tenant) == 0, "\(tenant.slug) neither due nor clean")
            }
            #expect(housekeeping.allSatisfy { !$0.apiTokens })
            let reminding = Set(try await due.reminders(now: Date()).filter { ours.contains($0) })
            #expect(reminding.isSubset(of: Set(visits.map { $0.0.id })))
            for (tenant, customer) in visits where !reminding.contains(tenant.id) {
                #expect(try await TestMailbox.messages(to: customer.email, tenant: tenant.id, kind: "appointment_reminder").count == 1)
            }

            try await app.dependencies.maintenanceService().sweep()
            try await app.dependencies.appointmentReminders.send()

            for (tenant, customer) in busy { #expect(try await Self.links(of: customer, in: tenant) == 0, "\(tenant.slug)") }
            for (tenant, customer) in visits {
                #expect(
                    try await TestMailbox.messages(to: customer.email, tenant: tenant.id, kind: "appointment_reminder").count == 1, "\(tenant.slug)")
            }
            // Nothing is due any more; idle tenants never were, and got no retention record.
            #expect(try await due.housekeeping().filter { ours.contains($0.tenant) }.isEmpty)
            #expect(try await due.reminders(now: Date()).filter { ours.contains($0) }.isEmpty)
            for tenant in idle {
                #expect(try await tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM retention_runs", as: Int.self) } == 0)
            }
        }
    }

    @Test("a suspended tenant's visits get no reminders, as before")
    func suspendedTenantsSkipped() async throws {
        let tenant = try await TestTenant.create()
        _ = try await Self.visitTomorrow(in: tenant)
        let pool = try await TestCluster.database().appPool
        try await pool.query("UPDATE tenants SET status = 'suspended' WHERE id = \(tenant.id)")
        #expect(try await !DueWork(pool: pool).reminders(now: Date()).contains(tenant.id))
    }

    @Test("the application role cannot use the scan's cross-tenant read itself: setting the flag shows it nothing")
    func scanPolicyIsTheOwners() async throws {
        let tenant = try await TestTenant.create()
        _ = try await Self.expiredLink(in: tenant)
        let pool = try await TestCluster.database().appPool
        let seen = try await pool.withTransaction { tx in
            try await tx.execute("SELECT set_config('portico.maintenance_scan', 'on', true)")
            return try await tx.scalar("SELECT count(*)::int FROM account_tokens", as: Int.self)
        }
        #expect(seen == 0)
    }
}
