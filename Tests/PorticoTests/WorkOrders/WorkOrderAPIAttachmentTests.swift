import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Subscriber API: work-order attachments")
struct WorkOrderAPIAttachmentTests: WorkOrderAPIScenario {
    // MARK: Attachments

    @Test("upload a photo and a PDF, list them, download with the portal's headers; internal files never listed nor downloadable")
    func attachments() async throws {
        let world = try await Self.world()
        // Submitted (still open to files), so that staff can approve it below.
        let order = try await Self.order(world, title: "With files", status: .submitted)
        let (_, hidden) = try await Self.attachInternalAndShared(world, number: order.number)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let base = "/api/v1/work-orders/\(order.number)/attachments"
            let photo = SampleFile.jpeg(size: 4000)
            let pdf = SampleFile.pdf()
            let uploaded = try await Self.upload(client, order.number, files: [("file", "dish.jpg", photo), ("file", "invoice.pdf", pdf)])
            #expect(uploaded.status == .created, "\(uploaded)")
            let items = uploaded["items"]?.array ?? []
            #expect(items.compactMap { $0["file_name"]?.string } == ["dish.jpg", "invoice.pdf"])
            #expect(items.first?["size_bytes"]?.int == photo.count)

            let list = try await client.get(base)
            let names = (list["items"]?.array ?? []).compactMap { $0["file_name"]?.string }
            #expect(Set(names) == ["site.jpg", "dish.jpg", "invoice.pdf"])
            #expect(!list.body.contains("INTERNAL"))

            let photoURL = try #require(items.first?["download_url"]?.string)
            let image = try await client.get(photoURL)
            #expect(image.status == .ok)
            #expect(image.bytes == photo)
            #expect(image.header("Content-Type") == "image/jpeg")
            #expect(image.header("X-Content-Type-Options") == "nosniff")
            #expect(image.header("Content-Disposition")?.hasPrefix("inline") == true)
            #expect(image.header("Content-Security-Policy")?.contains("sandbox") == true)
            let document = try await client.get(try #require(items.last?["download_url"]?.string))
            #expect(document.bytes == pdf)
            #expect(document.header("Content-Disposition")?.hasPrefix("attachment") == true)
            #expect(document.header("Content-Disposition")?.contains("invoice.pdf") == true)

            let internalFile = try await client.get("\(base)/\(hidden.id.uuidString.lowercased())")
            #expect(internalFile.status == .notFound)

            // With a comment the files go with it; after approval only that way.
            try await Self.staffUpdate(world.tenant, number: order.number, [.init(.status, "approved")])
            let before = try await Self.snapshot(world.tenant)
            let locked = try await Self.upload(client, order.number, files: [("file", "late.jpg", SampleFile.jpeg())])
            #expect(locked.status == .conflict)
            #expect(try await Self.snapshot(world.tenant) == before)
            let withComment = try await Self.upload(client, order.number, files: [("file", "late.jpg", SampleFile.jpeg())], comment: "One more photo")
            #expect(withComment.status == .created)
            #expect(withComment["items"]?[0]?["comment_id"]?.string != nil)
            let history = try await client.get("/api/v1/work-orders/\(order.number)/history")
            #expect(history.body.contains("One more photo"))
        }
    }

    @Test(
        "uploads refused: too large 413, a disallowed or disguised type 415, not multipart 415, unknown parts 400, no file 422, the 11th file 422; nothing kept"
    )
    func uploadRefusals() async throws {
        let world = try await Self.world()
        let order = try await Self.order(world, title: "Refusals", status: .draft)
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: world.tenant.host, token: world.token)
            let before = try await Self.snapshot(world.tenant)

            let big = try await Self.upload(client, order.number, files: [("file", "huge.jpg", SampleFile.jpeg(size: 16 * 1024 * 1024))])
            #expect(big.status == .contentTooLarge)
            #expect(big.errorCode == "upload_file_too_large")
            let exe = try await Self.upload(
                client, order.number, files: [("file", "setup.exe", Array("MZ\u{90}\u{0}".utf8) + SampleFile.filler(100))])
            #expect(exe.status == .unsupportedMediaType)
            let disguised = try await Self.upload(client, order.number, files: [("file", "photo.jpg", SampleFile.pdf())])
            #expect(disguised.status == .unsupportedMediaType)
            let json = try await client.post("/api/v1/work-orders/\(order.number)/attachments", json: ["file": "x"])
            #expect(json.status == .unsupportedMediaType)
            let unknownPart = try await Self.upload(
                client, order.number, files: [("file", "a.jpg", SampleFile.jpeg())], extra: [("visibility", "internal")])
            #expect(unknownPart.status == .badRequest)
            #expect(unknownPart.errorCode == "unknown_fields")
            let wrongName = try await Self.upload(client, order.number, files: [("attachments", "a.jpg", SampleFile.jpeg())])
            #expect(wrongName.status == .badRequest)
            let none = try await Self.upload(client, order.number, files: [], comment: "Only words")
            #expect(none.status == .unprocessableContent)
            #expect(none.errorFields["file"] != nil)
            #expect(try await Self.snapshot(world.tenant) == before)
            #expect(Self.blobs(app, world.tenant).isEmpty)

            let nine = (1...9).map { ("file", "photo\($0).jpg", SampleFile.jpeg(size: 800)) }
            #expect(try await Self.upload(client, order.number, files: nine).status == .created)
            let two = try await Self.upload(
                client, order.number, files: [("file", "a.jpg", SampleFile.jpeg()), ("file", "b.jpg", SampleFile.jpeg())])
            #expect(two.status == .unprocessableContent)
            #expect(two.errorCode == "too_many_attachments")
            #expect(try await Self.upload(client, order.number, files: [("file", "ten.jpg", SampleFile.jpeg())]).status == .created)
            let eleventh = try await Self.upload(client, order.number, files: [("file", "eleven.jpg", SampleFile.jpeg())])
            #expect(eleventh.status == .unprocessableContent)
            #expect(Self.blobs(app, world.tenant).count == 10)
        }
    }
}
