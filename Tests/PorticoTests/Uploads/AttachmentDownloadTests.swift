import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Work-order attachments (routes): who may download, and staff files")
struct AttachmentDownloadTests: AttachmentScenario {
    // MARK: Who may download

    @Test("downloads: another organization, another tenant, a missing or malformed id, all the same 404")
    func downloadIsolation() async throws {
        let world = try await Self.world()
        let otherTenant = try await TestTenant.create()
        let (strangerOrganization, stranger) = try await otherTenant.signInableSubscriber(name: "Frank Foreign")
        let (_, neighbour) = try await world.tenant.signInableSubscriber(name: "Nina Neighbour")
        try await TestApp.with { (app: TestApp) async throws in
            let owner = Browser(app: app, host: world.tenant.host)
            try await owner.signInCustomer(world.customer.email)
            try await owner.get("/portal/work-orders/new")
            try await owner.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"), files: [("attachments", "private.pdf", SampleFile.pdf())])
            let id = try #require(try await Self.attachmentIDs(world.tenant, number: 1001).first?.id)
            let path = "/portal/work-orders/1001/attachments/\(id)"
            #expect(try await owner.get(path).status == .ok)

            // The same 404 page (bar its per-request reference) whatever the reason.
            let missing = try await owner.get("/portal/work-orders/1001/attachments/\(UUID().uuidString.lowercased())")
            #expect(missing.status == .notFound)
            let reference = "We could not find that file."
            #expect(missing.body.contains(reference))

            let other = Browser(app: app, host: world.tenant.host)
            try await other.signInCustomer(neighbour.email)
            let crossOrganization = try await other.get(path)
            #expect(crossOrganization.status == .notFound)
            #expect(crossOrganization.body.contains(reference))
            #expect(!crossOrganization.body.contains("private.pdf"))

            // The other tenant's subscriber, on their own host, with our order number and id.
            let foreign = Browser(app: app, host: otherTenant.host)
            try await foreign.signInCustomer(stranger.email)
            _ = try await otherTenant.transaction { tx in
                try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: strangerOrganization.id, title: "Theirs", status: .submitted),
                    by: Actor(kind: .customer, id: stranger.id, name: stranger.name), in: tx)
            }
            let crossTenant = try await foreign.get(path)
            #expect(crossTenant.status == .notFound)
            #expect(crossTenant.body.contains(reference))
            #expect(!crossTenant.body.contains("private.pdf"))
            // Other-tenant staff on their host, too.
            let foreignAgent = try await otherTenant.staff(role: .admin)
            let foreignConsole = Browser(app: app, host: otherTenant.host)
            try await foreignConsole.signInStaff(foreignAgent.email)
            #expect(try await foreignConsole.get("/admin/work-orders/1001/attachments/\(id)").status == .notFound)

            for malformed in [
                "/portal/work-orders/1001/attachments/not-a-uuid", "/portal/work-orders/abc/attachments/\(id)",
                "/portal/work-orders/1002/attachments/\(id)",
            ] {
                let response = try await owner.get(malformed)
                #expect(response.status == .notFound, "\(malformed)")
                #expect(response.body.contains(reference), "\(malformed)")
            }
            // Signed out: sent to sign in, no file.
            let anonymous = try await app.get(path, host: world.tenant.host)
            #expect(anonymous.status == .seeOther || anonymous.status == .found)
            #expect(anonymous.bytes != SampleFile.pdf())
        }
    }

    @Test("staff downloads: admin and agent yes, technician only when assigned, a subscriber's session gets no file")
    func staffDownloadRoles() async throws {
        let world = try await Self.world()
        let admin = try await world.tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let owner = Browser(app: app, host: world.tenant.host)
            try await owner.signInCustomer(world.customer.email)
            try await owner.get("/portal/work-orders/new")
            try await owner.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"), files: [("attachments", "drawing.dwg", SampleFile.dwg())])
            let id = try #require(try await Self.attachmentIDs(world.tenant, number: 1001).first?.id)
            let path = "/admin/work-orders/1001/attachments/\(id)"

            for member in [admin, world.agent] {
                let console = Browser(app: app, host: world.tenant.host)
                try await console.signInStaff(member.email)
                let response = try await console.get(path)
                #expect(response.status == .ok)
                #expect(response.header("Content-Type") == "image/vnd.dwg")
                #expect(response.header("Content-Disposition")?.hasPrefix("attachment;") == true)
                #expect(response.bytes == SampleFile.dwg())
            }
            let tech = Browser(app: app, host: world.tenant.host)
            try await tech.signInStaff(world.technician.email)
            let unassigned = try await tech.get(path)
            #expect(unassigned.status == .notFound)
            #expect(unassigned.bytes != SampleFile.dwg())

            try await world.tenant.transaction { tx in
                try await tx.execute("UPDATE work_orders SET assignee_id = \(world.technician.id) WHERE number = 1001")
            }
            let assigned = try await tech.get(path)
            #expect(assigned.status == .ok)
            #expect(assigned.bytes == SampleFile.dwg())

            // A subscriber's session is not a staff session.
            let asCustomer = try await owner.get(path)
            #expect(asCustomer.status != .ok)
            #expect(asCustomer.bytes != SampleFile.dwg())
        }
    }

    @Test("staff attach files to replies (audited); files on an internal note never reach the subscriber")
    func staffAttachments() async throws {
        let world = try await Self.world()
        let order = try await world.tenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: world.organization.id, title: "Needs a site survey", status: .submitted),
                by: Actor(kind: .customer, id: world.customer.id, name: world.customer.name), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            let page = try await console.get("/admin/work-orders/\(order.number)")
            #expect(page.body.contains("enctype=\"multipart/form-data\""))
            let reply = try await console.postForm(
                "/admin/work-orders/\(order.number)/comments", fields: [("body", "Survey report attached"), ("visibility", "shared")],
                files: [("attachments", "survey.pdf", SampleFile.pdf())])
            #expect(reply.status == .ok)
            #expect(reply.body.contains("Reply sent to the subscriber with 1 file."))
            let note = try await console.postForm(
                "/admin/work-orders/\(order.number)/comments", fields: [("body", "Landlord dispute, see letter"), ("visibility", "internal")],
                files: [("attachments", "landlord-letter.pdf", SampleFile.pdf(body: "secret"))])
            #expect(note.body.contains("Internal note added with 1 file."))
            #expect(note.body.contains("landlord-letter.pdf"))

            let audited = try await world.tenant.transaction { tx in
                try await tx.rows(
                    "SELECT details->>'file_name' AS name, details->>'visibility' AS visibility FROM audit_events WHERE action = 'work_order.attachment_added' ORDER BY id"
                )
                .map { "\(try $0.decode("name", as: String.self)):\(try $0.decode("visibility", as: String.self))" }
            }
            #expect(audited == ["survey.pdf:shared", "landlord-letter.pdf:internal"])

            let ids = try await Self.attachmentIDs(world.tenant, number: order.number)
            let shared = try #require(ids.first { $0.name == "survey.pdf" }?.id)
            let internalID = try #require(ids.first { $0.name == "landlord-letter.pdf" }?.id)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let detail = try await subscriber.get("/portal/work-orders/\(order.number)")
            #expect(detail.body.contains("survey.pdf"))
            #expect(!detail.body.contains("landlord-letter"))
            #expect(!detail.body.contains(internalID))
            #expect(!detail.body.contains("Landlord dispute"))
            #expect(try await subscriber.get("/portal/work-orders/\(order.number)/attachments/\(shared)").status == .ok)
            let hidden = try await subscriber.get("/portal/work-orders/\(order.number)/attachments/\(internalID)")
            #expect(hidden.status == .notFound)
            #expect(!hidden.body.contains("secret"))
            // The internal file does not count against the subscriber's ten either.
            let edit = try await subscriber.get("/portal/work-orders/\(order.number)/edit")
            #expect(edit.body.contains("9 more on this order"))
            // …and the refusal for a technician not assigned is the same 404 as elsewhere.
            let tech = Browser(app: app, host: world.tenant.host)
            try await tech.signInStaff(world.technician.email)
            #expect(try await tech.get("/admin/work-orders/\(order.number)/attachments/\(shared)").status == .notFound)
            try await tech.get("/admin/work-orders")
            #expect(
                try await tech.postForm(
                    "/admin/work-orders/\(order.number)/comments", fields: [("body", "x"), ("visibility", "shared")],
                    files: [("attachments", "t.pdf", SampleFile.pdf())]
                ).status == .notFound)
            #expect(Self.blobs(app, world.tenant).count == 2)
        }
    }
}
