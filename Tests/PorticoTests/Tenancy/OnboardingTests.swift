import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Onboarding tenants from the CLI")
struct OnboardingTests {
    static func environment() async throws -> CommandEnvironment {
        let database = try await TestCluster.database()
        var configuration = TestApp.configuration()
        configuration.databaseURL = database.appURL
        configuration.migrateDatabaseURL = database.ownerURL
        return CommandEnvironment(configuration: configuration, pool: database.appPool, logger: TestLogging.logger("cli"))
    }

    static func uniqueSlug() -> String { "ob-" + UUID().uuidString.prefix(10).lowercased() }

    @Test("tenant create makes the tenant, its unverified custom domain, default branding and an invited admin with a setup link")
    func createTenant() async throws {
        let environment = try await Self.environment()
        let slug = Self.uniqueSlug()
        let output = try await TenantCommands.create(
            TenantOnboardingRequest(
                slug: slug, name: "Onboarded Wireless", adminEmail: "Boss@Onboarded.Example", customDomain: "Portal.\(slug).example.net."),
            environment: environment
        )
        #expect(output.contains("Created tenant \(slug)"))
        #expect(output.contains("http://\(slug).localhost:8080/admin/invite/"))
        #expect(output.contains("_portico-challenge.portal.\(slug).example.net"))

        let tenant = try #require(try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug))
        #expect(tenant.status == .active)
        let domains = try await PostgresTenantStore(pool: environment.pool).domains(for: tenant.id)
        #expect(domains.map(\.domain) == ["portal.\(slug).example.net"])
        #expect(domains.first?.isActive == false)
        try await environment.pool.withTenant(tenant.id) { tx in
            let admin = try #require(try await Repositories.postgres.staff.find(email: "boss@onboarded.example", in: tx))
            #expect(admin.role == .admin)
            #expect(admin.status == .invited)
            let branding = try #require(try await tx.first("SELECT company_name FROM tenant_branding"))
            #expect(try branding.decode("company_name", as: String.self) == "Onboarded Wireless")
        }
        // The printed link's token works once as a staff invitation.
        let token = try #require(output.split(separator: "/admin/invite/").last.map { String($0.prefix { !$0.isWhitespace }) })
        let invited = try await environment.pool.withTenant(tenant.id) { tx in
            try await AccountTokens.peek(token, kind: .inviteStaff, in: tx)
        }
        #expect(invited?.email == "boss@onboarded.example")
    }

    @Test("a duplicate slug is refused with a clear message and nothing is half-written")
    func duplicateSlug() async throws {
        let environment = try await Self.environment()
        let slug = Self.uniqueSlug()
        _ = try await TenantCommands.create(
            TenantOnboardingRequest(slug: slug, name: "First", adminEmail: "a@first.example"), environment: environment)
        let error = await #expect(throws: AppError.self) {
            try await TenantCommands.create(
                TenantOnboardingRequest(slug: slug, name: "Second", adminEmail: "b@second.example"), environment: environment)
        }
        #expect(error?.code == "slug_taken")
        #expect(error?.message.contains("already exists") == true)
        let tenant = try #require(try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug))
        #expect(tenant.name == "First")
    }

    @Test("reserved, malformed and out-of-range slugs, bad emails and bad domains are refused, naming the field")
    func validation() async throws {
        let environment = try await Self.environment()
        let cases: [(TenantOnboardingRequest, String)] = [
            (TenantOnboardingRequest(slug: "admin", name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: "www", name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: "Upper", name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: "ab", name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: "-dash", name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: String(repeating: "a", count: 41), name: "X", adminEmail: "a@x.example"), "slug"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: " ", adminEmail: "a@x.example"), "name"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "not-an-email"), "admin-email"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", customDomain: "bad domain"), "domain"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", customDomain: "10.0.0.1"), "domain"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", customDomain: "evil.localhost"), "domain"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", customDomain: "operator.localhost"), "domain"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", timeZone: "America/Springfield"), "time-zone"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", timeZone: "CST"), "time-zone"),
            (TenantOnboardingRequest(slug: Self.uniqueSlug(), name: "X", adminEmail: "a@x.example", timeZone: ""), "time-zone"),
        ]
        for (request, field) in cases {
            let error = await #expect(throws: AppError.self, "\(request.slug) / \(field)") {
                try await TenantCommands.create(request, environment: environment)
            }
            #expect(error?.fields[field] != nil, "expected a problem with \(field) for \(request)")
            if field == "time-zone", !request.timeZone.isEmpty {
                #expect(error?.message.contains("“\(request.timeZone)” is not a time zone this server knows") == true, "the message names the value")
            }
            #expect(try await PostgresTenantStore(pool: environment.pool).tenant(slug: request.slug) == nil)
        }
    }

    @Test("suspend and resume change what the portal answers; an unknown slug is a clear error")
    func suspendAndResume() async throws {
        let environment = try await Self.environment()
        let slug = Self.uniqueSlug()
        _ = try await TenantCommands.create(
            TenantOnboardingRequest(slug: slug, name: "Toggle Wireless", adminEmail: "a@toggle.example"), environment: environment)
        try await TestApp.with { (app: TestApp) async throws in
            #expect(try await app.get("/", host: "\(slug).localhost").status == .ok)
            #expect(try await TenantCommands.setStatus(.suspended, slug: slug, environment: environment).contains("Suspended"))
            try await eventually { try await app.get("/", host: "\(slug).localhost").status == .serviceUnavailable }
            #expect(try await TenantCommands.setStatus(.active, slug: slug, environment: environment).contains("Resumed"))
            try await eventually { try await app.get("/", host: "\(slug).localhost").status == .ok }
        }
        let missing = await #expect(throws: AppError.self) {
            try await TenantCommands.setStatus(.suspended, slug: "no-such-tenant-x", environment: environment)
        }
        #expect(missing?.message.contains("No tenant has the slug") == true)
        let listed = try await TenantCommands.list(environment: environment)
        #expect(listed.contains { $0.slug == slug && $0.status == "active" })
        #expect(try TenantCommands.listJSON(listed).contains("\"slug\" : \"\(slug)\""))
    }
}

@Suite("A new tenant's starting set")
struct TenantStartingSetTests {
    @Test("a tenant onboarded from the CLI starts with the default work-order categories, which its subscribers can pick at once")
    func defaultCategories() async throws {
        let environment = try await OnboardingTests.environment()
        let slug = OnboardingTests.uniqueSlug()
        _ = try await TenantCommands.create(
            TenantOnboardingRequest(slug: slug, name: "Fresh Wireless", adminEmail: "boss@\(slug).example"),
            environment: environment)
        let tenant = try #require(try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug))
        let names = try await environment.pool.withTenant(tenant.id) { tx in try await WorkOrderCategories.active(in: tx).map(\.name) }
        #expect(names == WorkOrderCategories.defaults.map(\.name))
        #expect(names.contains("Installation"), "what the service page's installation history looks for")

        // Seeding again (the demo runs it too) never touches an existing list.
        try await environment.pool.withTenant(tenant.id) { tx in
            try await tx.execute("UPDATE work_order_categories SET name = 'New connection' WHERE name = 'Installation'")
            try await WorkOrderCategories.seedDefaults(in: tx)
        }
        let after = try await environment.pool.withTenant(tenant.id) { tx in try await WorkOrderCategories.all(in: tx).map(\.name) }
        #expect(after.count == WorkOrderCategories.defaults.count)
        #expect(after.first == "New connection")

        let hash = try await TestPasswords.hash()
        let customer = try await environment.pool.withTenant(tenant.id) { tx in
            let organization = try await Repositories.postgres.organizations.create(NewOrganization(name: "First household"), in: tx)
            return try await Repositories.postgres.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .owner, name: "First Subscriber", email: "first@\(slug).example",
                    passwordHash: hash, status: .active, emailVerified: true), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: "\(slug).localhost")
            try await browser.signInCustomer(customer.email)
            let form = try await browser.get("/portal/work-orders/new")
            for name in ["New connection", "Repair", "Relocation", "Upgrade", "Other"] {
                #expect(form.body.contains("<option value=\"\(name)\""), "\(name) is offered")
            }
        }
    }
}
