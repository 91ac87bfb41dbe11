import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Work-order attachments (routes): refused uploads leave nothing behind")
struct AttachmentRefusalTests: AttachmentScenario {
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
}
