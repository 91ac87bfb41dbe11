import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Work-order attachments (routes): subscribers upload and download, files scanned for viruses")
struct AttachmentUploadTests: AttachmentScenario {
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
