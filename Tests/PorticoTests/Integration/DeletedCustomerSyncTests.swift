import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Integration API: deleted customers (sync tombstones)")
struct DeletedCustomerSyncTests {
    struct World {
        let tenant: TestTenant
        let key: String
        let admin: StaffUser
    }

    static func world() async throws -> World {
        let tenant = try await TestTenant.create()
        return World(tenant: tenant, key: try await IntegrationSupport.key(tenant), admin: try await tenant.staff(role: .admin))
    }

    /// A billing system's customer, then staff deleting that login in the console.
    static func createThenDelete(_ app: TestApp, _ world: World, externalId: String, email: String) async throws -> (id: String, organization: String)
    {
        let api = IntegrationSupport.client(app, world.tenant, key: world.key)
        #expect(try await api.put("/api/v1/admin/organizations/org-\(externalId)", json: ["name": "Household \(externalId)"]).status.code < 300)
        let created = try await api.put(
            "/api/v1/admin/customers/\(externalId)",
            json: ["organization_external_id": "org-\(externalId)", "name": "Person \(externalId)", "email": email])
        #expect(created.status == .created)
        let id = try #require(created["id"]?.string)
        let organization = try #require(created["organization_id"]?.string)
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        let path = "/admin/customers/\(organization)/members/\(id)/delete"
        try await console.get(path)
        let done = try await console.post(path, ["confirm_email": email])
        #expect(done.status == .ok && done.body.contains("login is deleted"), "\(done.status)")
        return (id, organization)
    }

    @Test(
        "a deleted login shows up in /deleted-customers with its ids and nothing that names the person; the customer itself is gone; audited as before"
    )
    func tombstoneListed() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let (id, organization) = try await Self.createThenDelete(app, world, externalId: "crm-7", email: "gone@example.net")
            let api = IntegrationSupport.client(app, world.tenant, key: world.key)
            #expect(try await api.get("/api/v1/admin/customers/crm-7").status == .notFound)

            let listing = try await api.get("/api/v1/admin/deleted-customers")
            #expect(listing.status == .ok)
            let items = try #require(listing["items"]?.array)
            #expect(items.count == 1)
            #expect(items.first?["id"]?.string == id)
            #expect(items.first?["external_id"]?.string == "crm-7")
            #expect(items.first?["organization_id"]?.string == organization)
            #expect(items.first?["organization_external_id"]?.string == "org-crm-7")
            #expect(items.first?["deleted_at"]?.string?.hasSuffix("Z") == true)
            #expect(listing["next_cursor"] == .null)
            #expect(!listing.body.contains("gone@example.net") && !listing.body.contains("Person crm-7"))

            // Resuming from a later time: nothing new.
            let later = try await api.get("/api/v1/admin/deleted-customers?updated_since=2999-01-01T00:00:00Z")
            #expect(later["items"]?.array?.isEmpty == true)
            let bad = try await api.get("/api/v1/admin/deleted-customers?updated_since=yesterday")
            #expect(bad.status == .unprocessableContent && bad.errorFields["updated_since"] != nil)
        }
    }

    @Test("tombstones page with the opaque cursor in deletion order, each exactly once")
    func paging() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            var ids: [String] = []
            for n in 1...3 {
                ids.append(try await Self.createThenDelete(app, world, externalId: "crm-p\(n)", email: "p\(n)@example.net").id)
            }
            let api = IntegrationSupport.client(app, world.tenant, key: world.key)
            var seen: [String] = []
            var path = "/api/v1/admin/deleted-customers?limit=2"
            while true {
                let page = try await api.get(path)
                #expect(page.status == .ok)
                seen += (page["items"]?.array ?? []).compactMap { $0["id"]?.string }
                guard let cursor = page["next_cursor"]?.string else { break }
                path = "/api/v1/admin/deleted-customers?limit=2&cursor=\(cursor)"
            }
            #expect(seen == ids)
            #expect(try await api.get("/api/v1/admin/deleted-customers?cursor=not-a-cursor").status == .unprocessableContent)
        }
    }

    @Test("another tenant's key never sees this tenant's tombstones, and a read-only key may list them")
    func isolation() async throws {
        let world = try await Self.world()
        let neighbour = try await TestTenant.create()
        let neighbourKey = try await IntegrationSupport.key(neighbour)
        let readOnly = try await IntegrationSupport.key(world.tenant, scopes: [.read], name: "Reader")
        try await TestApp.with { (app: TestApp) async throws in
            _ = try await Self.createThenDelete(app, world, externalId: "crm-iso", email: "iso@example.net")
            let theirs = try await IntegrationSupport.client(app, neighbour, key: neighbourKey).get("/api/v1/admin/deleted-customers")
            #expect(theirs.status == .ok)
            #expect(theirs["items"]?.array?.isEmpty == true)
            // This tenant's key on the neighbour's host is not a key there.
            #expect(
                try await IntegrationSupport.client(app, neighbour, key: world.key).get("/api/v1/admin/deleted-customers").status == .unauthorized)
            let reader = try await IntegrationSupport.client(app, world.tenant, key: readOnly).get("/api/v1/admin/deleted-customers")
            #expect(reader["items"]?.array?.count == 1)
            #expect(try await IntegrationSupport.client(app, world.tenant, key: nil).get("/api/v1/admin/deleted-customers").status == .unauthorized)
        }
    }
}
