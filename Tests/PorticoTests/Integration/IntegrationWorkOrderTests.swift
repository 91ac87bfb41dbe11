import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Integration API: work orders and appointments")
struct IntegrationWorkOrderTests {
    /// A subscriber who can sign in, whose organization has the external id `externalId`.
    static func subscriber(_ tenant: TestTenant, externalId: String) async throws -> (Organization, Customer) {
        let (organization, customer) = try await tenant.signInableSubscriber()
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE organizations SET external_id = \(externalId) WHERE id = \(organization.id)")
        }
        return (organization, customer)
    }

    /// Tomorrow-and-a-day at `hour`:00 UTC, as RFC 3339.
    static func slot(hour: Int, dayOffset: Int = 2) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.startOfDay(for: Date().addingTimeInterval(Double(dayOffset) * 86_400))
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: day.addingTimeInterval(Double(hour) * 3600))
    }

    @Test(
        "a work order created and moved through the API is the subscriber's in the portal, with history by the key; transitions follow the staff rules"
    )
    func workOrderFlow() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant, name: "CRM")
        let (_, customer) = try await Self.subscriber(tenant, externalId: "acct-7")
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            let created = try await api.post(
                "/api/v1/admin/work-orders",
                json: [
                    "organization_external_id": "acct-7", "title": "Replace dish after storm", "description": "Mount bent", "priority": "high",
                ])
            #expect(created.status == .created)
            let number = try #require(created["number"]?.int)
            #expect(created["status"]?.string == "submitted")
            #expect(created["organization_external_id"]?.string == "acct-7")
            #expect(created.header("ETag") == "\"1\"")

            let approved = try await api.patch(
                "/api/v1/admin/work-orders/\(number)", json: ["status": "approved", "note": "Crew booked"],
                headers: [.ifMatch: "\"1\""])
            #expect(approved.status == .ok)
            #expect(approved["status"]?.string == "approved")
            let version = try #require(approved["version"]?.int)
            let stale = try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "in_progress"], headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            let invalid = try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "submitted"])
            #expect(invalid.status == .conflict && invalid.errorCode == "invalid_transition")
            let noReason = try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "cancelled"])
            #expect(noReason.status == .unprocessableContent && noReason.errorFields["note"] != nil)
            let badStatus = try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "done"])
            #expect(badStatus.status == .unprocessableContent && badStatus.errorFields["status"] != nil)
            #expect(try await api.get("/api/v1/admin/work-orders/\(number)")["version"]?.int == version)

            let history = try await tenant.transaction { tx in
                try await tx.rows(
                    """
                    SELECT c.actor_kind, c.actor_name FROM work_order_changes c JOIN work_orders w ON w.id = c.work_order_id
                     WHERE w.number = \(number) AND c.field = 'status' ORDER BY c.id
                    """
                ).map { "\(try $0.decode("actor_kind", as: String.self)):\(try $0.decode("actor_name", as: String.self))" }
            }
            #expect(history == ["integration:API key CRM", "integration:API key CRM"])
            #expect(
                try await IntegrationSupport.count(
                    tenant, "SELECT count(*)::int FROM audit_events WHERE actor_kind = 'integration' AND action LIKE 'work_order.%'") == 2)

            let portal = Browser(app: app, host: tenant.host)
            try await portal.signInCustomer(customer.email)
            let page = try await portal.get("/portal/work-orders/\(number)")
            #expect(page.status == .ok)
            #expect(page.body.contains("Replace dish after storm"))
            #expect(page.body.contains("Approved"))

            let listed = try await api.get("/api/v1/admin/work-orders?status=approved,in_progress")
            #expect(listed["items"]?.array?.compactMap { $0["number"]?.int } == [number])
            #expect(try await api.get("/api/v1/admin/work-orders?status=submitted")["items"]?.array?.isEmpty == true)
            #expect(try await api.get("/api/v1/admin/work-orders?status=nope").status == .unprocessableContent)
        }
    }

    @Test("work-order creation errors: unknown organization, bad status, missing title are 422; nothing is created")
    func workOrderErrors() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        _ = try await Self.subscriber(tenant, externalId: "acct-1")
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            let unknown = try await api.post("/api/v1/admin/work-orders", json: ["organization_external_id": "nope", "title": "X"])
            #expect(unknown.errorFields["organization_external_id"] != nil)
            let status = try await api.post(
                "/api/v1/admin/work-orders", json: ["organization_external_id": "acct-1", "title": "X", "status": "completed"])
            #expect(status.errorFields["status"] != nil)
            let title = try await api.post("/api/v1/admin/work-orders", json: ["organization_external_id": "acct-1", "title": ""])
            #expect(title.status == .unprocessableContent && title.errorFields["title"] != nil)
            let extra = try await api.post(
                "/api/v1/admin/work-orders", json: ["organization_external_id": "acct-1", "title": "X", "internal_notes": "x"])
            #expect(extra.status == .badRequest)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM work_orders") == 0)
        }
    }

    @Test("another tenant's work-order numbers and appointment ids are the 404 of missing ones and change nothing")
    func crossTenant() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        let otherKey = try await IntegrationSupport.key(other)
        _ = try await Self.subscriber(other, externalId: "theirs")
        try await TestApp.with { (app: TestApp) async throws in
            let theirs = IntegrationSupport.client(app, other, key: otherKey)
            let order = try await theirs.post("/api/v1/admin/work-orders", json: ["organization_external_id": "theirs", "title": "Their order"])
            let number = try #require(order["number"]?.int)
            let visit = try await theirs.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": number, "starts_at": Self.slot(hour: 9), "ends_at": Self.slot(hour: 11), "kind": "repair",
                ])
            #expect(visit.status == .created)
            let id = try #require(visit["id"]?.string)

            let api = IntegrationSupport.client(app, tenant, key: key)
            let get = try await api.get("/api/v1/admin/work-orders/\(number)")
            let missing = try await api.get("/api/v1/admin/work-orders/999999")
            #expect(get.status == .notFound && get.body == missing.body)
            #expect(try await api.patch("/api/v1/admin/work-orders/\(number)", json: ["status": "approved"]).status == .notFound)
            let patch = try await api.patch("/api/v1/admin/appointments/\(id)", json: ["status": "cancelled", "reason": "Not yours"])
            let patchMissing = try await api.patch(
                "/api/v1/admin/appointments/\(UUID().uuidString.lowercased())", json: ["status": "cancelled", "reason": "x"])
            #expect(patch.status == .notFound && patch.body == patchMissing.body)
            let book = try await api.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": number, "starts_at": Self.slot(hour: 9), "ends_at": Self.slot(hour: 11), "kind": "repair",
                ])
            #expect(book.status == .unprocessableContent && book.errorFields["work_order_number"] != nil)
            // A number beyond the column's range names no order: a 422, not a failed statement (the fuzz found a 503).
            let huge = try await api.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": 37_920_048_216_998, "starts_at": Self.slot(hour: 9), "ends_at": Self.slot(hour: 11), "kind": "repair",
                ])
            #expect(huge.status == .unprocessableContent && huge.errorFields["work_order_number"] != nil)
            #expect(try await IntegrationSupport.count(other, "SELECT count(*)::int FROM work_orders WHERE status = 'submitted'") == 1)
            #expect(try await IntegrationSupport.count(other, "SELECT count(*)::int FROM appointments WHERE status = 'proposed'") == 1)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM appointments") == 0)
        }
    }

    @Test("appointments: booked for a work order (the subscriber is emailed), moved, cancelled with a reason, through the staff rules")
    func appointments() async throws {
        let tenant = try await TestTenant.create()
        let key = try await IntegrationSupport.key(tenant)
        let technician = try await tenant.staff(role: .technician)
        let (_, customer) = try await Self.subscriber(tenant, externalId: "acct-a")
        try await TestApp.with { (app: TestApp) async throws in
            let api = IntegrationSupport.client(app, tenant, key: key)
            let order = try await api.post(
                "/api/v1/admin/work-orders", json: ["organization_external_id": "acct-a", "title": "Install", "status": "approved"])
            let number = try #require(order["number"]?.int)
            let invalid = try await api.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": number, "starts_at": Self.slot(hour: 12), "ends_at": Self.slot(hour: 11), "kind": "teleport",
                    "technician": "nobody@staff.example",
                ])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.errorFields["technician"] != nil)
            let past = try await api.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": number, "starts_at": Self.slot(hour: 9, dayOffset: -2), "ends_at": Self.slot(hour: 10, dayOffset: -2),
                    "kind": "install",
                ])
            #expect(past.status == .unprocessableContent && past.errorFields["starts_at"] != nil)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM appointments") == 0)

            let booked = try await api.post(
                "/api/v1/admin/appointments",
                json: [
                    "work_order_number": number, "starts_at": Self.slot(hour: 9), "ends_at": Self.slot(hour: 11), "kind": "install",
                    "technician": technician.email, "status": "confirmed",
                ])
            #expect(booked.status == .created)
            #expect(booked["status"]?.string == "confirmed")
            #expect(booked["technician"]?.string == technician.email)
            #expect(booked["work_order_number"]?.int == number)
            let id = try #require(booked["id"]?.string)
            #expect(try await IntegrationSupport.count(tenant, "SELECT count(*)::int FROM outbox WHERE recipient = \(customer.email)") >= 1)

            let moved = try await api.patch(
                "/api/v1/admin/appointments/\(id)", json: ["starts_at": Self.slot(hour: 13), "ends_at": Self.slot(hour: 15)])
            #expect(moved.status == .ok)
            #expect(moved["status"]?.string == "proposed")
            #expect(moved["starts_at"]?.string == Self.slot(hour: 13))
            let both = try await api.patch(
                "/api/v1/admin/appointments/\(id)", json: ["starts_at": Self.slot(hour: 13), "ends_at": Self.slot(hour: 15), "status": "completed"])
            #expect(both.status == .unprocessableContent)
            let stale = try await api.patch("/api/v1/admin/appointments/\(id)", json: ["status": "completed"], headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            let noReason = try await api.patch("/api/v1/admin/appointments/\(id)", json: ["status": "cancelled"])
            #expect(noReason.status == .unprocessableContent && noReason.errorFields["reason"] != nil)
            let cancelled = try await api.patch("/api/v1/admin/appointments/\(id)", json: ["status": "cancelled", "reason": "Storm warning"])
            #expect(cancelled.status == .ok && cancelled["status"]?.string == "cancelled")
            let closed = try await api.patch("/api/v1/admin/appointments/\(id)", json: ["status": "completed"])
            #expect(closed.status == .conflict)
            #expect(
                try await IntegrationSupport.count(
                    tenant,
                    """
                    SELECT count(*)::int FROM audit_events WHERE actor_kind = 'integration' AND action IN ('appointment.created', 'appointment.updated', 'appointment.cancelled')
                    """) == 3)
        }
    }
}
