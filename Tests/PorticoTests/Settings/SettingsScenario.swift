import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// What the settings suites share: a tenant with an admin and a subscriber who can sign in,
/// the admin's console, and counts read straight from the database to check what a form wrote.
protocol SettingsScenario {}

struct SettingsWorld {
    let tenant: TestTenant
    let admin: StaffUser
    let organization: Organization
    let customer: Customer
}

extension SettingsScenario {
    typealias World = SettingsWorld

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let (organization, customer) = try await tenant.signInableSubscriber()
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET email_verified_at = now() WHERE id = \(customer.id)")
        }
        return World(tenant: tenant, admin: admin, organization: organization, customer: customer)
    }

    func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        return console
    }

    func count(_ world: World, _ sql: SQL) async throws -> Int {
        try await world.tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) } ?? -1
    }

    func audits(_ world: World, _ action: String) async throws -> Int {
        try await count(world, "SELECT count(*)::int FROM audit_events WHERE action = \(action)")
    }

    func id(_ tenant: TestTenant, _ sql: SQL) async throws -> String {
        let id = try await tenant.transaction { tx in try await tx.scalar(sql, as: UUID.self) }
        return try #require(id).uuidString.lowercased()
    }

    static func isRedirect(_ response: HTTPTestResponse) -> Bool { response.status == .seeOther || response.status == .found }

    /// Saves the security settings through the console form (which answers with a redirect).
    static func saveSecurity(
        _ console: Browser, staffIdleMinutes: String, customerIdleHours: String, rememberMeDays: String, requireStaffTOTP: String
    ) async throws {
        try await console.get("/admin/settings/security")
        #expect(
            isRedirect(
                try await console.post(
                    "/admin/settings/security",
                    [
                        "staff_idle_minutes": staffIdleMinutes, "customer_idle_hours": customerIdleHours,
                        "remember_me_days": rememberMeDays, "require_staff_totp": requireStaffTOTP,
                    ])))
    }
}
