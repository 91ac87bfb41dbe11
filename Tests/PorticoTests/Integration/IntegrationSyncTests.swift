import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Integration API: upserts and sync listings")
struct IntegrationSyncTests {
    static func organizationStamp(_ tenant: TestTenant, _ externalId: String) async throws -> String? {
        try await tenant.transaction { tx in
            try await tx.scalar("SELECT updated_at::text FROM organizations WHERE external_id = \(externalId)", as: String.self)
        }
    }

    @Test("the same organization PUT twice makes one record: 201 then 200 without touching updated_at; a changed field updates it and is audited")
    func organizationIdempotency() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            let body: [String: Any] = [
                "name": "Rivera Household", "account_number": "A-100", "kind": "household",
                "service_address": "4 Hill Rd", "service_plan": "Air 50", "service_status": "active",
            ]
            let first = try await api.put("/api/v1/admin/organizations/crm-100", json: body)
            #expect(first.status == .created)
            #expect(first["external_id"]?.string == "crm-100")
            #expect(first["account_number"]?.string == "A-100")
            let stamp = try await Self.organizationStamp(tenant, "crm-100")
            let second = try await api.put("/api/v1/admin/organizations/crm-100", json: body)
            #expect(second.status == .ok)
            #expect(second["id"] == first["id"])
            #expect(try await Self.organizationStamp(tenant, "crm-100") == stamp)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 1)
            // Fields left out keep their value.
            #expect(try await api.put("/api/v1/admin/organizations/crm-100", json: ["name": "Rivera Household"]).status == .ok)
            #expect(try await Self.organizationStamp(tenant, "crm-100") == stamp)

            var changed = body
            changed["service_plan"] = "Air 100"
            let third = try await api.put("/api/v1/admin/organizations/crm-100", json: changed)
            #expect(third.status == .ok)
            #expect(third["service_plan"]?.string == "Air 100")
            #expect(try await Self.organizationStamp(tenant, "crm-100") != stamp)
            let audits = try await IntegrationSupport.count(
                tenant,
                """
                SELECT count(*)::int FROM audit_events WHERE actor_kind = 'integration' AND actor_label = 'API key Billing sync'
                   AND action IN ('organization.created', 'organization.updated')
                """)
            #expect(audits == 2)

            let got = try await api.get("/api/v1/admin/organizations/crm-100")
            #expect(got["service_plan"]?.string == "Air 100")
        }
    }

    @Test("bad values are 422 naming the fields, unknown fields 400, wrong content type 415, a taken account number 409; nothing is written")
    func organizationErrors() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            let invalid = try await api.put("/api/v1/admin/organizations/crm-1", json: ["name": "", "kind": "castle", "service_status": "gone"])
            #expect(invalid.status == .unprocessableContent)
            #expect(Set(invalid.errorFields.keys) == ["name", "kind", "service_status"])
            let missing = try await api.put("/api/v1/admin/organizations/crm-1", json: ["kind": "business"])
            #expect(missing.status == .unprocessableContent && missing.errorFields["name"] != nil)
            let mistyped = try await api.put("/api/v1/admin/organizations/crm-1", json: ["name": 42])
            #expect(mistyped.status == .unprocessableContent && mistyped.errorFields["name"] != nil)
            let unknown = try await api.put("/api/v1/admin/organizations/crm-1", json: ["name": "X", "plan": "Air 50"])
            #expect(unknown.status == .badRequest && unknown.errorCode == "unknown_fields" && unknown.errorFields["plan"] != nil)
            let form = try await api.send(.put, "/api/v1/admin/organizations/crm-1", body: "name=X", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            let longId = String(repeating: "x", count: 201)
            #expect(try await api.put("/api/v1/admin/organizations/\(longId)", json: ["name": "X"]).status == .unprocessableContent)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 0)

            #expect(try await api.put("/api/v1/admin/organizations/crm-1", json: ["name": "First", "account_number": "900"]).status == .created)
            let taken = try await api.put("/api/v1/admin/organizations/crm-2", json: ["name": "Second", "account_number": "900"])
            #expect(taken.status == .conflict && taken.errorCode == "account_number_taken")
            #expect(try await api.put("/api/v1/admin/organizations/crm-3", json: ["name": "Third"]).status == .created)
            let stolen = try await api.put("/api/v1/admin/organizations/crm-3", json: ["name": "Third", "account_number": "900"])
            #expect(stolen.status == .conflict)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 2)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations WHERE account_number = '900'") == 1)
        }
    }

    @Test("updated_since and the cursor walk every organization exactly once, in pages; a bad cursor or time is 422")
    func organizationListing() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            for index in 1...7 {
                #expect(try await api.put("/api/v1/admin/organizations/walk-\(index)", json: ["name": "Walker \(index)"]).status == .created)
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/v1/admin/organizations?limit=3&updated_since=2000-01-01T00:00:00Z" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.get(path)
                #expect(page.status == .ok)
                seen += (page["items"]?.array ?? []).compactMap { $0["external_id"]?.string }
                cursor = page["next_cursor"]?.string
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 7)
            #expect(Set(seen) == Set((1...7).map { "walk-\($0)" }))

            let future = try await api.get("/api/v1/admin/organizations?updated_since=2999-01-01T00:00:00Z")
            #expect(future["items"]?.array?.isEmpty == true)
            #expect(future["next_cursor"]?.isNull == true)
            #expect(try await api.get("/api/v1/admin/organizations?updated_since=yesterday").errorFields["updated_since"] != nil)
            #expect(try await api.get("/api/v1/admin/organizations?cursor=bogus").errorFields["cursor"] != nil)
            #expect(try await api.get("/api/v1/admin/organizations?limit=500").status == .unprocessableContent)
        }
    }

    @Test("another tenant's external ids are the 404 of missing ones, for reads and writes, and change nothing")
    func crossTenant() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        let otherKey = try await IntegrationSupport.key(other)
        try await TestApp.with { (app: TestApp) async throws in
            let theirs = IntegrationSupport.client(app, other, key: otherKey)
            #expect(
                try await theirs.put("/api/v1/admin/organizations/shared-1", json: ["name": "Theirs", "service_status": "active"]).status == .created)
            #expect(
                try await theirs.put(
                    "/api/v1/admin/customers/person-1", json: ["organization_external_id": "shared-1", "name": "Them", "email": "them@example.net"]
                ).status == .created)
            let stamp = try await Self.organizationStamp(other, "shared-1")

            let api = IntegrationSupport.client(app, tenant, key: key)
            for path in ["/api/v1/admin/organizations/shared-1", "/api/v1/admin/customers/person-1", "/api/v1/admin/organizations/nobody"] {
                let response = try await api.get(path)
                #expect(response.status == .notFound && response.errorCode == "not_found", "\(path)")
            }
            let service = try await api.put("/api/v1/admin/organizations/shared-1/service", json: ["service_status": "suspended"])
            #expect(service.status == .notFound)
            let missingService = try await api.put("/api/v1/admin/organizations/nobody/service", json: ["service_status": "suspended"])
            #expect(missingService.body == service.body)
            #expect(try await api.put("/api/v1/admin/organizations/shared-1/equipment/cpe-1", json: ["model": "LiteBeam"]).status == .notFound)
            let customer = try await api.put(
                "/api/v1/admin/customers/person-2", json: ["organization_external_id": "shared-1", "name": "X", "email": "x@example.net"])
            #expect(customer.status == .unprocessableContent && customer.errorFields["organization_external_id"] != nil)
            #expect(try await Self.organizationStamp(other, "shared-1") == stamp)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM organizations") == 0)
            #expect(try await IntegrationSupport.count(other, "SELECT count(*)::int FROM equipment") == 0)
        }
    }

    @Test("customers: created pending without a password, idempotent, updated on change, 409 on a taken email, invited through the outbox on request")
    func customers() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        let (_, existing) = try await tenant.subscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            #expect(try await api.put("/api/v1/admin/organizations/home-1", json: ["name": "Home One"]).status == .created)
            let body: [String: Any] = ["organization_external_id": "home-1", "name": "Ana Home", "email": "Ana@Example.net", "phone": "+1 555 0100"]
            let created = try await api.put("/api/v1/admin/customers/c-1", json: body)
            #expect(created.status == .created)
            #expect(created["status"]?.string == "pending")
            #expect(created["role"]?.string == "owner")
            #expect(created["email"]?.string == "ana@example.net")
            #expect(
                try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM customers WHERE external_id = 'c-1' AND password_hash IS NULL")
                    == 1)
            let stamp = try await tenant.transaction { tx in
                try await tx.scalar("SELECT updated_at::text FROM customers WHERE external_id = 'c-1'", as: String.self)
            }
            #expect(try await api.put("/api/v1/admin/customers/c-1", json: body).status == .ok)
            let after = try await tenant.transaction { tx in
                try await tx.scalar("SELECT updated_at::text FROM customers WHERE external_id = 'c-1'", as: String.self)
            }
            #expect(after == stamp)
            var renamed = body
            renamed["name"] = "Ana María Home"
            let updated = try await api.put("/api/v1/admin/customers/c-1", json: renamed)
            #expect(updated.status == .ok && updated["name"]?.string == "Ana María Home")

            let taken = try await api.put(
                "/api/v1/admin/customers/c-2", json: ["organization_external_id": "home-1", "name": "Dup", "email": existing.email])
            #expect(taken.status == .conflict && taken.errorCode == "email_taken")
            let invalid = try await api.put(
                "/api/v1/admin/customers/c-2", json: ["organization_external_id": "home-1", "name": "", "email": "nope", "role": "boss"])
            #expect(Set(invalid.errorFields.keys) == ["name", "email", "role"])

            let invited = try await api.put(
                "/api/v1/admin/customers/c-3",
                json: [
                    "organization_external_id": "home-1", "name": "Ben Home",
                    "email": "ben@example.net", "invite": true,
                ])
            #expect(invited.status == .created && invited["role"]?.string == "member")
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM outbox WHERE recipient = 'ben@example.net'") == 1)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM outbox WHERE recipient = 'ana@example.net'") == 0)

            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await api.get("/api/v1/admin/customers?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += (page["items"]?.array ?? []).compactMap { $0["email"]?.string }
                cursor = page["next_cursor"]?.string
            } while cursor != nil && seen.count < 10
            #expect(seen.sorted() == ["ana@example.net", "ben@example.net", existing.email].sorted())
            #expect(try await api.get("/api/v1/admin/customers/c-1")["organization_external_id"]?.string == "home-1")
        }
    }

    @Test("equipment and service: upserts by external id that write only on change; a bad MAC is 422")
    func equipmentAndService() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            #expect(try await api.put("/api/v1/admin/organizations/org-e", json: ["name": "Equipped", "service_plan": "Air 25"]).status == .created)
            let body: [String: Any] = ["model": "LiteBeam 5AC", "serial": "SN1", "mac": "00-27-22-AA-BB-CC", "installed_on": "2024-03-01"]
            let created = try await api.put("/api/v1/admin/organizations/org-e/equipment/cpe-1", json: body)
            #expect(created.status == .created)
            #expect(created["mac"]?.string == "00:27:22:aa:bb:cc")
            #expect(created["installed_on"]?.string == "2024-03-01")
            let stamp = try await tenant.transaction { tx in try await tx.scalar("SELECT updated_at::text FROM equipment", as: String.self) }
            #expect(try await api.put("/api/v1/admin/organizations/org-e/equipment/cpe-1", json: body).status == .ok)
            #expect(try await tenant.transaction { tx in try await tx.scalar("SELECT updated_at::text FROM equipment", as: String.self) } == stamp)
            var moved = body
            moved["serial"] = "SN2"
            #expect(try await api.put("/api/v1/admin/organizations/org-e/equipment/cpe-1", json: moved)["serial"]?.string == "SN2")
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM equipment") == 1)
            let bad = try await api.put(
                "/api/v1/admin/organizations/org-e/equipment/cpe-2", json: ["model": "X", "mac": "zz", "installed_on": "soon"])
            #expect(Set(bad.errorFields.keys) == ["mac", "installed_on"])

            let stampBefore = try await Self.organizationStamp(tenant, "org-e")
            let same = try await api.put("/api/v1/admin/organizations/org-e/service", json: ["service_plan": "Air 25"])
            #expect(same.status == .ok)
            #expect(try await Self.organizationStamp(tenant, "org-e") == stampBefore)
            let suspended = try await api.put("/api/v1/admin/organizations/org-e/service", json: ["service_status": "suspended"])
            #expect(suspended["service_status"]?.string == "suspended")
            #expect(suspended["service_plan"]?.string == "Air 25")
            #expect(try await api.put("/api/v1/admin/organizations/org-e/service", json: [String: String]()).status == .unprocessableContent)
            #expect(
                try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM audit_events WHERE action = 'organization.service_changed'")
                    == 1)
        }
    }
}
