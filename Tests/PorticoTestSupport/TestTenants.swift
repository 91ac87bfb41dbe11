import Foundation
import Portico
import PorticoCrypto
import Postgres

/// A tenant made for one test, so tests can run in parallel on one database.
public struct TestTenant: Sendable {
    public let id: TenantID
    public let slug: String
    public let name: String
    /// The pool of the database the tenant lives in (nil: the shared test database).
    public var pool: ConnectionPool?
    /// `<slug>.localhost`
    public var host: String { "\(slug).localhost" }

    /// A fresh active tenant with a unique slug and default branding, in `timeZone` (UTC by default).
    public static func create(name: String? = nil, pool: ConnectionPool? = nil, timeZone: String = "UTC") async throws -> TestTenant {
        let shared = try await TestCluster.database().appPool
        let pool = pool ?? shared
        let slug = "t-" + UUID().uuidString.prefix(12).lowercased()
        let displayName = name ?? "Tenant \(slug)"
        let id = try await pool.withTransaction { transaction in
            let id = try await transaction.first(
                "INSERT INTO tenants (slug, name, time_zone) VALUES (\(slug), \(displayName), \(timeZone)) RETURNING id")!
                .decode("id", as: TenantID.self)
            try await transaction.execute("SELECT set_config('app.tenant_id', \(id), true)")
            try await transaction.execute("INSERT INTO tenant_branding (tenant_id, company_name) VALUES (\(id), \(displayName))")
            return id
        }
        return TestTenant(id: id, slug: slug, name: displayName, pool: pool === shared ? nil : pool)
    }

    /// Runs `body` in a transaction scoped to this tenant on the shared pool.
    public func transaction<T: Sendable>(_ body: (TenantTransaction) async throws -> T) async throws -> T {
        let shared = try await TestCluster.database().appPool
        return try await (pool ?? shared).withTenant(id, body)
    }

    /// An organization with one owner customer.
    public func subscriber(
        name: String = "Pat Subscriber", email: String? = nil, passwordHash: String? = nil
    ) async throws -> (Organization, Customer) {
        try await transaction { tx in
            let organization = try await Repositories.postgres.organizations.create(
                NewOrganization(name: "\(name) household", serviceAddress: "1 Test Lane"), in: tx)
            let customer = try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .owner, name: name,
                    email: email ?? "\(UUID().uuidString.prefix(8).lowercased())@example.net", phone: "+1 555 01\(Int.random(in: 10...99))",
                    passwordHash: passwordHash, status: .active, emailVerified: true
                ), in: tx)
            return (organization, customer)
        }
    }
}

/// One password for test accounts, hashed once (Argon2id at production cost is slow on purpose).
public enum TestPasswords {
    public static let password = "correct horse battery staple"
    private static let hashTask = Task { try await TestApp.hasher.hash(password) }

    public static func hash() async throws -> String { try await hashTask.value }
}

/// An admin, an agent and a technician of one tenant (`TestTenant.staffCast()`).
public struct StaffCast: Sendable {
    public let admin: StaffUser
    public let agent: StaffUser
    public let technician: StaffUser
}

extension TestTenant {
    /// A subscriber who can sign in with `TestPasswords.password`.
    public func signInableSubscriber(name: String = "Sam Subscriber", email: String? = nil) async throws -> (Organization, Customer) {
        try await subscriber(name: name, email: email, passwordHash: try await TestPasswords.hash())
    }

    /// A new subscriber of this tenant, signed in in a browser of a running app.
    public func withSignedInSubscriber(_ body: (TestApp, Browser, Customer) async throws -> Void) async throws {
        let (_, customer) = try await signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: host)
            try await browser.signInCustomer(customer.email)
            try await body(app, browser, customer)
        }
    }

    /// The console's usual cast, each able to sign in: Ada Admin, Avery Agent and Terry Tech.
    public func staffCast() async throws -> StaffCast {
        StaffCast(
            admin: try await staff(role: .admin, name: "Ada Admin"), agent: try await staff(role: .agent, name: "Avery Agent"),
            technician: try await staff(role: .technician, name: "Terry Tech"))
    }

    /// An active staff member who can sign in with `TestPasswords.password`.
    public func staff(role: StaffRole, email: String? = nil, name: String = "Test Staff") async throws -> StaffUser {
        let hash = try await TestPasswords.hash()
        return try await transaction { tx in
            try await Repositories.postgres.staff.create(
                email: email ?? "\(role.rawValue)-\(UUID().uuidString.prefix(6).lowercased())@staff.example",
                name: name, role: role, status: .active, passwordHash: hash, in: tx)
        }
    }
}

extension Browser {
    /// Signs a subscriber in through the real sign-in form.
    @discardableResult
    public func signInCustomer(_ identifier: String, password: String = TestPasswords.password) async throws -> HTTPTestResponse {
        try await get("/portal/login")
        return try await post("/portal/login", ["identifier": identifier, "password": password])
    }

    /// Signs a staff member in through the real staff sign-in form.
    @discardableResult
    public func signInStaff(_ email: String, password: String = TestPasswords.password) async throws -> HTTPTestResponse {
        try await get("/admin/login")
        return try await post("/admin/login", ["email": email, "password": password])
    }
}
