import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Attachments through the real routes, on the real database and blob store: the portal's
/// new-order, edit and comment forms, downloads for subscribers and staff, and everything a
/// refused upload must not leave behind.
@Suite("Work-order attachments (routes)")
struct AttachmentRouteTests {
    struct World {
        let tenant: TestTenant
        let organization: Organization
        let customer: Customer
        let agent: StaffUser
        let technician: StaffUser
    }

    static func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Uma Uploader")
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let technician = try await tenant.staff(role: .technician, name: "Terry Tech")
        return World(tenant: tenant, organization: organization, customer: customer, agent: agent, technician: technician)
    }

    /// Where a tenant's blobs live for the test app, and the files there now.
    static func blobs(_ app: TestApp, _ tenant: TestTenant) -> [String] {
        regularFiles(
            under: app.dependencies.configuration.dataDirectory.appendingPathComponent("files").appendingPathComponent(tenant.id.description))
    }

    static func counts(_ tenant: TestTenant) async throws -> (orders: Int, comments: Int, attachments: Int) {
        try await tenant.transaction { tx in
            (
                try await tx.scalar("SELECT count(*)::int FROM work_orders", as: Int.self) ?? 0,
                try await tx.scalar("SELECT count(*)::int FROM work_order_comments", as: Int.self) ?? 0,
                try await tx.scalar("SELECT count(*)::int FROM attachments", as: Int.self) ?? 0
            )
        }
    }

    static func attachmentIDs(_ tenant: TestTenant, number: Int) async throws -> [(id: String, name: String)] {
        try await tenant.transaction { tx in
            try await tx.rows(
                """
                SELECT a.id::text AS id, a.file_name FROM attachments a JOIN work_orders w ON w.id = a.work_order_id
                 WHERE w.number = \(number) ORDER BY a.created_at, a.file_name
                """
            ).map { (try $0.decode("id", as: String.self), try $0.decode("file_name", as: String.self)) }
        }
    }

    static let order = [
        "title": "Dish knocked over", "description": "See the photos.", "priority": "normal", "quantity": "1",
        "service_location": "1 Test Lane",
    ]

    static func orderFields(action: String) -> [(String, String)] {
        order.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + [("action", action)]
    }

    // MARK: Happy paths

    @Test("a subscriber submits an order with a photo and a PDF, sees them listed, and downloads them intact")
    func submitAndDownload() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            let form = try await browser.get("/portal/work-orders/new")
            #expect(form.body.contains("enctype=\"multipart/form-data\""))
            #expect(form.body.contains("id=\"field-attachments\""))
            let photo = SampleFile.png(size: 40_000)
            let pdf = SampleFile.pdf()
            let response = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "Dish Photo.png", photo), ("attachments", "quote.pdf", pdf)])
            #expect(response.status == .seeOther)
            #expect(response.header("Location") == "/portal/work-orders/1001?submitted=1")
            let detail = try await browser.get("/portal/work-orders/1001")
            #expect(detail.body.contains("Dish Photo.png"))
            #expect(detail.body.contains("quote.pdf"))

            let ids = try await Self.attachmentIDs(world.tenant, number: 1001)
            #expect(ids.map(\.name) == ["Dish Photo.png", "quote.pdf"])
            #expect(Self.blobs(app, world.tenant).count == 2)
            for (id, _) in ids { #expect(detail.body.contains("/portal/work-orders/1001/attachments/\(id)")) }

            let image = try await browser.get("/portal/work-orders/1001/attachments/\(ids[0].id)")
            #expect(image.status == .ok)
            #expect(image.header("Content-Type") == "image/png")
            #expect(image.header("Content-Length") == String(photo.count))
            #expect(image.header("X-Content-Type-Options") == "nosniff")
            #expect(image.header("Content-Disposition")?.hasPrefix("inline; filename=\"Dish Photo.png\"") == true)
            #expect(image.header("Content-Security-Policy")?.contains("sandbox") == true)
            #expect(image.bytes == photo)

            let document = try await browser.get("/portal/work-orders/1001/attachments/\(ids[1].id)")
            #expect(document.status == .ok)
            #expect(document.header("Content-Type") == "application/pdf")
            #expect(document.header("Content-Disposition")?.hasPrefix("attachment; filename=\"quote.pdf\"") == true)
            #expect(document.header("X-Content-Type-Options") == "nosniff")
            #expect(document.bytes == pdf)

            // Staff see and download the same files.
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            let staffPage = try await console.get("/admin/work-orders/1001")
            #expect(staffPage.body.contains("/admin/work-orders/1001/attachments/\(ids[1].id)"))
            let staffDownload = try await console.get("/admin/work-orders/1001/attachments/\(ids[1].id)")
            #expect(staffDownload.status == .ok)
            #expect(staffDownload.bytes == pdf)
        }
    }

    @Test("a draft keeps its files; editing the draft adds more; a comment adds one more")
    func draftEditAndComment() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let draft = try await browser.postForm(
                "/portal/work-orders", fields: [("title", "Half done"), ("action", "draft"), ("quantity", "1"), ("priority", "normal")],
                files: [("attachments", "site.jpg", SampleFile.jpeg())])
            #expect(draft.status == .seeOther)
            #expect(draft.header("Location") == "/portal/work-orders/1001/edit?saved=1")
            let edit = try await browser.get("/portal/work-orders/1001/edit")
            #expect(edit.body.contains("site.jpg"))
            #expect(edit.body.contains("9 more on this order"))

            var fields = Self.orderFields(action: "submit")
            fields.insert(("version", "1"), at: 0)
            let submitted = try await browser.postForm(
                "/portal/work-orders/1001/edit", fields: fields,
                files: [("attachments", "plan.dxf", SampleFile.dxf), ("attachments", "", [])])
            #expect(submitted.status == .seeOther)
            #expect(submitted.header("Location") == "/portal/work-orders/1001?submitted=1")

            try await browser.get("/portal/work-orders/1001")
            let comment = try await browser.postForm(
                "/portal/work-orders/1001/comments", fields: [("body", "One more angle")],
                files: [("attachments", "angle.webp", SampleFile.webp())])
            #expect(comment.status == .seeOther)
            let detail = try await browser.get("/portal/work-orders/1001")
            for name in ["site.jpg", "plan.dxf", "angle.webp", "One more angle"] { #expect(detail.body.contains(name), "\(name)") }
            #expect(try await Self.attachmentIDs(world.tenant, number: 1001).count == 3)
            #expect(Self.blobs(app, world.tenant).count == 3)
            // A comment with only a file is fine too.
            try await browser.get("/portal/work-orders/1001")
            let fileOnly = try await browser.postForm(
                "/portal/work-orders/1001/comments", fields: [("body", "")],
                files: [("attachments", "scan.pdf", SampleFile.pdf())])
            #expect(fileOnly.status == .seeOther)
            #expect(try await Self.counts(world.tenant).attachments == 4)
        }
    }

    // MARK: Refusals, with nothing written

    @Test("a PNG renamed .pdf and an .exe renamed .png are refused with clear messages; nothing is written")
    func disguisedFilesRefused() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let renamedPNG = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "good.jpg", SampleFile.jpeg()), ("attachments", "invoice.pdf", SampleFile.png())])
            #expect(renamedPNG.status == .unsupportedMediaType)
            #expect(renamedPNG.body.contains("invoice.pdf is not a PDF file (its contents look like a PNG image)"))
            #expect(renamedPNG.body.contains("rename it to end in .png"))
            #expect(renamedPNG.body.contains("href=\"#field-attachments\""))
            // What was typed before the files is kept.
            #expect(renamedPNG.body.contains("value=\"Dish knocked over\""))

            try await browser.get("/portal/work-orders/new")
            let exe = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "photo.png", SampleFile.exe())])
            #expect(exe.status == .unsupportedMediaType)
            #expect(exe.body.contains("photo.png is not a PNG file (its contents look like a Windows program)"))

            try await browser.get("/portal/work-orders/new")
            let wrongType = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "setup.exe", SampleFile.exe())])
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(wrongType.body.contains("setup.exe is not an accepted file type"))

            let counts = try await Self.counts(world.tenant)
            #expect(counts.orders == 0)
            #expect(counts.attachments == 0)
            #expect(Self.blobs(app, world.tenant).isEmpty)
        }
    }

    @Test("a file over 15 MB is refused while it streams: the rest of the body is never read, nothing is kept")
    func oversizeRefusedWhileStreaming() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let pulled = PulledBytes()
            let big = SampleFile.jpeg(size: 20 * 1024 * 1024)
            let response = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "huge.jpg", big)], chunkSize: 64 * 1024, pulled: pulled)
            #expect(response.status == .contentTooLarge)
            #expect(response.body.contains("huge.jpg is larger than 15 MB, the most we accept for one file"))
            #expect(pulled.value < 15 * 1024 * 1024 + 256 * 1024)
            #expect(try await Self.counts(world.tenant).orders == 0)
            #expect(Self.blobs(app, world.tenant).isEmpty)
        }
    }

    @Test("at most 10 files per order, counting those already attached: the 11th is refused")
    func eleventhFileRefused() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let eleven = (1...11).map { ("attachments", "photo\($0).jpg", SampleFile.jpeg(size: 800)) }
            let refused = try await browser.postForm("/portal/work-orders", fields: Self.orderFields(action: "submit"), files: eleven)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("A work order can have at most 10 files"))
            #expect(try await Self.counts(world.tenant).orders == 0)
            #expect(Self.blobs(app, world.tenant).isEmpty)

            try await browser.get("/portal/work-orders/new")
            let nine = (1...9).map { ("attachments", "photo\($0).jpg", SampleFile.jpeg(size: 800)) }
            #expect(try await browser.postForm("/portal/work-orders", fields: Self.orderFields(action: "submit"), files: nine).status == .seeOther)
            #expect(Self.blobs(app, world.tenant).count == 9)

            try await browser.get("/portal/work-orders/1001")
            let two = try await browser.postForm(
                "/portal/work-orders/1001/comments", fields: [("body", "Two more")],
                files: [("attachments", "a.jpg", SampleFile.jpeg()), ("attachments", "b.jpg", SampleFile.jpeg())])
            #expect(two.status == .unprocessableContent)
            #expect(two.body.contains("Work order #1001 already has 9 files and can have at most 10, so you can add 1 more."))
            #expect(two.body.contains(">Two more</textarea>"))

            try await browser.get("/portal/work-orders/1001")
            #expect(
                try await browser.postForm(
                    "/portal/work-orders/1001/comments", fields: [("body", "The tenth")],
                    files: [("attachments", "ten.jpg", SampleFile.jpeg())]
                ).status == .seeOther)
            let full = try await browser.get("/portal/work-orders/1001")
            #expect(full.body.contains("This work order has the most files it can have"))
            let eleventh = try await browser.postForm(
                "/portal/work-orders/1001/comments", fields: [("body", "The eleventh")],
                files: [("attachments", "eleven.jpg", SampleFile.jpeg())])
            #expect(eleventh.status == .unprocessableContent)
            #expect(eleventh.body.contains("Work order #1001 already has 10 files, the most one order can have."))
            let counts = try await Self.counts(world.tenant)
            #expect(counts.attachments == 10)
            #expect(counts.comments == 1)
            #expect(Self.blobs(app, world.tenant).count == 10)
        }
    }

    @Test("a form that fails validation keeps no file and creates no order")
    func validationFailureKeepsNothing() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let response = try await browser.postForm(
                "/portal/work-orders", fields: [("title", ""), ("action", "submit"), ("quantity", "1"), ("priority", "normal")],
                files: [("attachments", "site.jpg", SampleFile.jpeg())])
            #expect(response.status == .unprocessableContent)
            #expect(response.body.contains("Your files were not kept because of the problems above"))
            let counts = try await Self.counts(world.tenant)
            #expect(counts.orders == 0)
            #expect(counts.attachments == 0)
            #expect(Self.blobs(app, world.tenant).isEmpty)

            // A comment on an order that is not ours: 404 before anything is read or stored.
            let foreign = try await browser.postForm(
                "/portal/work-orders/4242/comments", fields: [("body", "Hi")],
                files: [("attachments", "site.jpg", SampleFile.jpeg())])
            #expect(foreign.status == .notFound)
            #expect(Self.blobs(app, world.tenant).isEmpty)
        }
    }

    @Test(
        "a multipart form without its CSRF token, with a wrong one, with the token after the files, or from another site is refused and stores nothing"
    )
    func csrfRefused() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let files = [("attachments", "site.jpg", SampleFile.jpeg())]
            for placement in [CSRFPlacement.missing, .wrong, .afterFiles] {
                let response = try await browser.postForm(
                    "/portal/work-orders", fields: Self.orderFields(action: "submit"), files: files, csrf: placement)
                #expect(response.status == .forbidden, "\(placement)")
                #expect(response.body.contains("This form could not be accepted"), "\(placement)")
                try await browser.get("/portal/work-orders/new")
            }
            var crossSite = HTTPFields()
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            #expect(
                try await browser.postForm("/portal/work-orders", fields: Self.orderFields(action: "submit"), files: files, headers: crossSite).status
                    == .forbidden)
            var foreignOrigin = HTTPFields()
            foreignOrigin[.origin] = "http://evil.example"
            #expect(
                try await browser.postForm("/portal/work-orders", fields: Self.orderFields(action: "submit"), files: files, headers: foreignOrigin)
                    .status == .forbidden)

            // The comment forms of both sides too.
            let order = try await world.tenant.transaction { tx in
                try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: world.organization.id, title: "Existing", status: .submitted),
                    by: Actor(kind: .customer, id: world.customer.id, name: world.customer.name), in: tx)
            }
            try await browser.get("/portal/work-orders/\(order.number)")
            #expect(
                try await browser.postForm("/portal/work-orders/\(order.number)/comments", fields: [("body", "x")], files: files, csrf: .missing)
                    .status == .forbidden)
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/work-orders/\(order.number)")
            #expect(
                try await console.postForm(
                    "/admin/work-orders/\(order.number)/comments", fields: [("body", "x"), ("visibility", "shared")], files: files,
                    csrf: .missing
                ).status == .forbidden)

            let counts = try await Self.counts(world.tenant)
            #expect(counts.orders == 1)
            #expect(counts.comments == 0)
            #expect(counts.attachments == 0)
            #expect(Self.blobs(app, world.tenant).isEmpty)
        }
    }

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

    // MARK: Virus scanning through the routes

    @Test("with CLAMD_SOCKET set, an infected file is refused and an unreachable scanner refuses every file")
    func scanning() async throws {
        let world = try await Self.world()
        try await FakeClamd.with { clamd in
            var configuration = TestApp.configuration()
            configuration.clamdSocket = clamd.socketPath
            try await TestApp.with(configuration: configuration) { (app: TestApp) async throws in
                let browser = Browser(app: app, host: world.tenant.host)
                try await browser.signInCustomer(world.customer.email)
                try await browser.get("/portal/work-orders/new")
                let infected = try await browser.postForm(
                    "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                    files: [("attachments", "invoice.pdf", SampleFile.pdf(body: "") + SampleFile.eicar)])
                #expect(infected.status == .unprocessableContent)
                #expect(infected.body.contains("invoice.pdf was not accepted: our virus scanner found Eicar-Test-Signature in it."))
                #expect(Self.blobs(app, world.tenant).isEmpty)

                try await browser.get("/portal/work-orders/new")
                let clean = try await browser.postForm(
                    "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                    files: [("attachments", "clean.pdf", SampleFile.pdf())])
                #expect(clean.status == .seeOther)
                #expect(clamd.scans.count == 2)
            }
        }
        var unreachable = TestApp.configuration()
        unreachable.clamdSocket = "/tmp/portico-no-clamd-\(UUID().uuidString.prefix(8)).sock"
        try await TestApp.with(configuration: unreachable) { (app: TestApp) async throws in
            let browser = Browser(app: app, host: world.tenant.host)
            try await browser.signInCustomer(world.customer.email)
            try await browser.get("/portal/work-orders/new")
            let refused = try await browser.postForm(
                "/portal/work-orders", fields: Self.orderFields(action: "submit"),
                files: [("attachments", "photo.jpg", SampleFile.jpeg())])
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.body.contains("photo.jpg could not be checked for viruses right now, so it was not accepted. Please try again later."))
            #expect(try await Self.counts(world.tenant).orders == 1)
            #expect(Self.blobs(app, world.tenant).count == 1)
        }
    }
}

enum CSRFPlacement: CustomStringConvertible {
    case first, missing, wrong, afterFiles

    var description: String {
        switch self {
        case .first: "token first"
        case .missing: "no token"
        case .wrong: "wrong token"
        case .afterFiles: "token after the files"
        }
    }
}

extension Browser {
    /// Posts a `multipart/form-data` form the way a browser does: the CSRF token of the last
    /// page first (unless a test places it otherwise), then the fields, then the files.
    @discardableResult
    func postForm(
        _ path: String, fields: [(String, String)], files: [(String, String, [UInt8])], csrf: CSRFPlacement = .first,
        headers: HTTPFields = [:], chunkSize: Int? = nil, pulled: PulledBytes? = nil
    ) async throws -> HTTPTestResponse {
        var body = MultipartBody()
        let token = csrfToken ?? ""
        switch csrf {
        case .first: body.field("csrf_token", token)
        case .wrong: body.field("csrf_token", String(token.reversed()) + "x")
        case .missing, .afterFiles: break
        }
        for (name, value) in fields { body.field(name, value) }
        for (name, fileName, content) in files {
            if fileName.isEmpty { body.emptyFileInput(name) } else { body.file(name, fileName: fileName, content) }
        }
        if case .afterFiles = csrf { body.field("csrf_token", token) }
        let bytes = body.finished()
        let requestBody: RequestBody =
            if let chunkSize {
                RequestBody(asyncSequence: ChunkedBody(bytes: bytes, chunkSize: chunkSize, pulled: pulled))
            } else {
                RequestBody(buffer: ByteBuffer(bytes: bytes))
            }
        return try await post(
            path, contentType: body.contentType, body: requestBody, contentLength: chunkSize == nil ? bytes.count : nil, headers: headers)
    }
}
