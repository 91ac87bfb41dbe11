import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto
import Testing

@testable import Portico

extension UploadTests {
    @Suite("Upload multipart: streaming, limits, no orphans")
    struct MultipartTests {
        /// A 4 KB limit keeps "one byte over" tests small.
        static let small = UploadLimits(maxFileSize: 4096, maxFiles: 10, maxTotalSize: 1024 * 1024)

        @Test("a form with fields and files: fields in order, files stored with their metadata")
        func mixedForm() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("csrf", "token-123")
                body.field("title", "Mast photos — north side")
                body.field("tag", "roof")
                body.field("tag", "antenna")
                body.file("photos", fileName: "north.jpg", contentType: "image/jpeg", SampleFile.jpeg(size: 50_000))
                body.field("note", "line one\r\nline two")
                body.file("photos", fileName: "plan.pdf", contentType: "application/pdf", SampleFile.pdf())

                let form = try await fixture.receive(body)
                #expect(form.fields.map(\.name) == ["csrf", "title", "tag", "tag", "note"])
                #expect(form["title"] == "Mast photos — north side")
                #expect(form["note"] == "line one\r\nline two")
                #expect(form.values("tag") == ["roof", "antenna"])
                #expect(form.fieldValues["tag"] == ["roof", "antenna"])
                #expect(form.fieldValues["csrf"] == ["token-123"])
                #expect(form.partNames == ["csrf", "title", "tag", "tag", "photos", "note", "photos"])
                #expect(form.fieldsBeforeFirstFile.map(\.name) == ["csrf", "title", "tag", "tag"])

                #expect(form.files.count == 2)
                let photo = form.files[0]
                #expect(photo.fieldName == "photos")
                #expect(photo.fileName == "north.jpg")
                #expect(photo.contentType == "image/jpeg")
                #expect(photo.kind == .jpeg)
                #expect(photo.isInlineImage)
                #expect(photo.size == 50_000)
                #expect(photo.sha256 == Hex.encode(Digest.sha256(SampleFile.jpeg(size: 50_000))))
                #expect(try await fixture.storedBytes(photo.key) == SampleFile.jpeg(size: 50_000))

                let plan = form.files[1]
                #expect(plan.contentType == "application/pdf")
                #expect(!plan.isInlineImage)
                #expect(try await fixture.storedBytes(plan.key) == SampleFile.pdf())
                #expect(fixture.filesOnDisk.count == 2)
            }
        }

        @Test("each accepted format goes through with its canonical content type, whatever the client claimed")
        func everyFormat() async throws {
            try await UploadFixture.with { fixture in
                let samples: [(String, [UInt8], String)] = [
                    ("a.jpg", SampleFile.jpeg(), "image/jpeg"), ("b.png", SampleFile.png(), "image/png"),
                    ("c.pdf", SampleFile.pdf(), "application/pdf"), ("d.dxf", SampleFile.dxf, "image/vnd.dxf"),
                    ("e.dwg", SampleFile.dwg(), "image/vnd.dwg"), ("f.heic", SampleFile.heic(), "image/heic"),
                    ("g.webp", SampleFile.webp(), "image/webp"),
                ]
                var body = MultipartBody()
                for (name, bytes, _) in samples {
                    body.file("files", fileName: name, contentType: "text/html", bytes)
                }
                let form = try await fixture.receive(body, chunkSize: 100)
                #expect(form.files.map(\.fileName) == samples.map(\.0))
                #expect(form.files.map(\.contentType) == samples.map(\.2))
                #expect(form.files.map(\.isInlineImage) == [true, true, false, false, false, false, true])
                for (file, sample) in zip(form.files, samples) {
                    #expect(try await fixture.storedBytes(file.key) == sample.1)
                }
            }
        }

        @Test("a body streamed in tiny chunks (boundaries split everywhere) gives the same result")
        func tinyChunks() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("csrf", "abc")
                // Content full of CR, LF and dashes: the parser's worst case.
                let tricky = SampleFile.pdf(body: String(repeating: "\r\n--\r\n-\r\r\n--", count: 200))
                body.file("file", fileName: "tricky.pdf", tricky)
                for chunkSize in [1, 7, 64, 1000] {
                    let form = try await fixture.receive(body, chunkSize: chunkSize)
                    #expect(form["csrf"] == "abc")
                    #expect(form.files.count == 1)
                    #expect(try await fixture.storedBytes(form.files[0].key) == tricky, "chunk size \(chunkSize)")
                }
            }
        }

        @Test("a file one byte over the limit is refused while streaming, and nothing is left on disk")
        func oneByteOver() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("csrf", "abc")
                body.file("photo", fileName: "photo.jpg", SampleFile.jpeg(size: 4097))
                let error = await #expect(throws: AppError.self) {
                    try await fixture.receive(body, limits: Self.small, chunkSize: 512)
                }
                #expect(error?.kind == .payloadTooLarge)
                #expect(error?.code == "upload_file_too_large")
                #expect(error?.message.hasPrefix("photo.jpg is larger than 4 KB") == true)
                #expect(error?.fields["photo"] != nil)
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("the standard limits are 15 MB per file and 10 files, and messages say sizes the way people do")
        func standardLimits() {
            #expect(UploadLimits.standard.maxFileSize == 15 * 1024 * 1024)
            #expect(UploadLimits.standard.maxFiles == 10)
            #expect(ByteCountText.describe(15 * 1024 * 1024) == "15 MB")
            #expect(ByteCountText.describe(64 * 1024) == "64 KB")
            #expect(ByteCountText.describe(1536 * 1024) == "1.5 MB")
            #expect(ByteCountText.describe(1000) == "1000 bytes")
            #expect(ByteCountText.describe(1) == "1 byte")
        }

        @Test("a file exactly at the limit is accepted")
        func exactlyAtLimit() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("photo", fileName: "photo.jpg", SampleFile.jpeg(size: 4096))
                let form = try await fixture.receive(body, limits: Self.small, chunkSize: 512)
                #expect(form.files.first?.size == 4096)
                #expect(fixture.filesOnDisk.count == 1)
            }
        }

        @Test("an oversized file stops the upload long before the body is read to the end")
        func stopsEarly() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("photo", fileName: "photo.jpg", SampleFile.jpeg(size: 500_000))
                let pulled = PulledBytes()
                await #expect(throws: AppError.self) {
                    try await fixture.receive(body, limits: Self.small, chunkSize: 1024, pulled: pulled)
                }
                #expect(pulled.value < 8 * 1024)
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("eleven files are refused and the ten already stored are deleted")
        func tooManyFiles() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                for index in 1...11 {
                    body.file("photos", fileName: "photo\(index).jpg", SampleFile.jpeg(size: 600))
                }
                let error = await #expect(throws: AppError.self) { try await fixture.receive(body) }
                #expect(error?.kind == .payloadTooLarge)
                #expect(error?.code == "upload_too_many_files")
                #expect(error?.message.contains("at most 10 files") == true)
                #expect(fixture.filesOnDisk.isEmpty)

                var ten = MultipartBody()
                for index in 1...10 { ten.file("photos", fileName: "photo\(index).jpg", SampleFile.jpeg(size: 600)) }
                let accepted = try await fixture.receive(ten)
                #expect(accepted.files.count == 10)
            }
        }

        @Test("a refused file after accepted ones leaves no orphans")
        func noOrphansAfterLaterFailure() async throws {
            try await UploadFixture.with { fixture in
                let failures: [(MultipartBody) -> MultipartBody] = [
                    {
                        var body = $0; body.file("f", fileName: "cat.png", SampleFile.exe()); return body
                    },
                    {
                        var body = $0; body.file("f", fileName: "setup.exe", SampleFile.exe()); return body
                    },
                    {
                        var body = $0; body.file("f", fileName: "big.jpg", SampleFile.jpeg(size: 5000)); return body
                    },
                    {
                        var body = $0; body.file("f", fileName: "empty.pdf", []); return body
                    },
                    {
                        var body = $0; body.field("note", String(repeating: "x", count: 70_000)); return body
                    },
                ]
                for makeFailing in failures {
                    var body = MultipartBody()
                    body.file("f", fileName: "one.jpg", SampleFile.jpeg(size: 3000))
                    body.file("f", fileName: "two.pdf", SampleFile.pdf())
                    body = makeFailing(body)
                    await #expect(throws: AppError.self) {
                        try await fixture.receive(body, limits: Self.small, chunkSize: 300)
                    }
                    #expect(fixture.filesOnDisk.isEmpty)
                }
            }
        }

        @Test("a PNG renamed .pdf and a program renamed .png are refused through the full pipeline")
        func renamedFilesRefused() async throws {
            try await UploadFixture.with { fixture in
                var renamed = MultipartBody()
                renamed.file("f", fileName: "photo.pdf", SampleFile.png())
                let mismatch = await #expect(throws: AppError.self) { try await fixture.receive(renamed) }
                #expect(mismatch?.kind == .unsupportedMediaType)
                #expect(mismatch?.message.hasPrefix("photo.pdf is not a PDF file (its contents look like a PNG image)") == true)
                #expect(mismatch?.fields["f"] == mismatch?.message)

                var program = MultipartBody()
                program.file("f", fileName: "cat.png", SampleFile.exe())
                let exe = await #expect(throws: AppError.self) { try await fixture.receive(program, chunkSize: 16) }
                #expect(exe?.message.hasPrefix("cat.png is not a PNG file (its contents look like a Windows program)") == true)

                var unknown = MultipartBody()
                unknown.file("f", fileName: "setup.exe", SampleFile.exe())
                let type = await #expect(throws: AppError.self) { try await fixture.receive(unknown) }
                #expect(type?.message == "setup.exe is not an accepted file type. Accepted: JPEG, PNG, HEIC, WebP photos, PDF, DXF and DWG drawings.")
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("empty file inputs are skipped; an empty chosen file is refused")
        func emptyFiles() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("csrf", "abc")
                body.emptyFileInput("photos")
                body.emptyFileInput("drawings")
                let form = try await fixture.receive(body)
                #expect(form.files.isEmpty)
                #expect(form.partNames == ["csrf", "photos", "drawings"])
                #expect(form.fields.map(\.name) == ["csrf"])

                var empty = MultipartBody()
                empty.file("photos", fileName: "photo.jpg", [])
                let error = await #expect(throws: AppError.self) { try await fixture.receive(empty) }
                #expect(error?.code == "upload_empty_file")
                #expect(error?.message == "photo.jpg is empty. Please choose the file again.")
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("client file names are sanitised; storage never uses them")
        func sanitisedNames() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("f", fileName: "../../etc/passwd.jpg", SampleFile.jpeg())
                body.part(
                    headers: ["Content-Disposition: form-data; name=\"g\"; filename=\"C:\\\\Users\\\\me\\\\plan \\\"v2\\\".pdf\""],
                    body: SampleFile.pdf())
                body.part(
                    headers: ["Content-Disposition: form-data; name=\"h\"; filename=\"x.png\"; filename*=UTF-8''Stra%C3%9Fe%20%E6%9D%B1.png"],
                    body: SampleFile.png())
                let form = try await fixture.receive(body)
                #expect(form.files.map(\.fileName) == ["passwd.jpg", "plan \"v2\".pdf", "Straße 東.png"])
                for file in form.files {
                    #expect(fixture.filesOnDisk.contains { $0.hasSuffix("/\(file.key.rawValue)") })
                }
                #expect(fixture.filesOnDisk.allSatisfy { !$0.contains("passwd") && !$0.contains("plan") })
            }
        }

        @Test("a missing or wrong Content-Type or boundary is a 400")
        func badContentType() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("a", "b")
                let bytes = body.finished()
                for contentType in [
                    nil, "", "application/json", "multipart/form-data", "multipart/form-data; boundary=",
                    "multipart/mixed; boundary=\(body.boundary)",
                    "multipart/form-data; boundary=\(String(repeating: "x", count: 71))",
                    "multipart/form-data; boundary=\"bad\u{1}boundary\"",
                ] as [String?] {
                    let request = fixture.request(bytes, contentType: contentType)
                    let error = await #expect(throws: AppError.self, "\(String(describing: contentType))") {
                        try await MultipartUpload.receive(request: request, blobStore: fixture.store, tenant: fixture.tenant)
                    }
                    #expect(error?.kind == .badRequest)
                }
                // Quoted boundaries and parameters in any case are fine.
                let quoted = fixture.request(bytes, contentType: "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"\(body.boundary)\"")
                let form = try await MultipartUpload.receive(request: quoted, blobStore: fixture.store, tenant: fixture.tenant)
                #expect(form["a"] == "b")
            }
        }

        @Test("a declared Content-Length over the total cap is refused before reading the body")
        func contentLengthOverCap() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("f", fileName: "a.jpg", SampleFile.jpeg())
                let pulled = PulledBytes()
                let request = fixture.request(
                    body.finished(), contentType: body.contentType, chunkSize: 100, pulled: pulled,
                    contentLength: 2 * 1024 * 1024)
                let error = await #expect(throws: AppError.self) {
                    try await MultipartUpload.receive(request: request, limits: Self.small, blobStore: fixture.store, tenant: fixture.tenant)
                }
                #expect(error?.kind == .payloadTooLarge)
                #expect(error?.message.hasPrefix("This upload is larger than 1 MB in all") == true)
                #expect(pulled.value == 0)
            }
        }

        @Test("the total cap holds while streaming, across files each under the per-file limit")
        func totalCap() async throws {
            try await UploadFixture.with { fixture in
                let limits = UploadLimits(maxFileSize: 4096, maxFiles: 10, maxTotalSize: 10_000)
                var body = MultipartBody()
                for index in 1...3 { body.file("f", fileName: "\(index).jpg", SampleFile.jpeg(size: 4000)) }
                let error = await #expect(throws: AppError.self) { try await fixture.receive(body, limits: limits, chunkSize: 1000) }
                #expect(error?.code == "upload_too_large")
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("text fields are limited in size and number")
        func fieldLimits() async throws {
            try await UploadFixture.with { fixture in
                var long = MultipartBody()
                long.field("description", String(repeating: "é", count: 32 * 1024 + 1))
                let tooLong = await #expect(throws: AppError.self) { try await fixture.receive(long, chunkSize: 4096) }
                #expect(tooLong?.kind == .payloadTooLarge)
                #expect(tooLong?.message == "The form field “description” is longer than 64 KB. Please shorten it.")

                var exactly = MultipartBody()
                exactly.field("description", String(repeating: "é", count: 32 * 1024))
                let exactForm = try await fixture.receive(exactly)
                #expect(exactForm["description"]?.utf8.count == 64 * 1024)

                var many = MultipartBody()
                for index in 0...100 { many.field("f\(index)", "x") }
                let tooMany = await #expect(throws: AppError.self) { try await fixture.receive(many) }
                #expect(tooMany?.code == "upload_too_many_fields")
            }
        }

        @Test("a body cut off mid-file is refused and the partial file removed")
        func truncatedBody() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("f", fileName: "one.jpg", SampleFile.jpeg(size: 3000))
                body.file("f", fileName: "two.jpg", SampleFile.jpeg(size: 3000))
                let full = body.finished()
                for cut in [full.count - 10, full.count - 3000, full.count - 3200, full.count - 4] {
                    let request = fixture.request(Array(full.prefix(cut)), contentType: body.contentType, chunkSize: 1500)
                    let error = await #expect(throws: AppError.self, "cut at \(cut)") {
                        try await MultipartUpload.receive(request: request, blobStore: fixture.store, tenant: fixture.tenant)
                    }
                    #expect(error?.kind == .badRequest)
                    #expect(fixture.filesOnDisk.isEmpty)
                }
            }
        }

        @Test("a connection that drops mid-upload leaves nothing behind")
        func connectionDrops() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("f", fileName: "one.jpg", SampleFile.jpeg(size: 3000))
                body.file("f", fileName: "two.jpg", SampleFile.jpeg(size: 3000))
                let request = fixture.request(body.finished(), contentType: body.contentType, chunkSize: 500, failAfter: 5000)
                let error = await #expect(throws: AppError.self) {
                    try await MultipartUpload.receive(request: request, blobStore: fixture.store, tenant: fixture.tenant)
                }
                #expect(error?.code == "upload_interrupted")
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("garbage and malformed parts are a 400, never a crash")
        func malformed() async throws {
            try await UploadFixture.with { fixture in
                let boundary = "XyZ"
                let contentType = "multipart/form-data; boundary=\(boundary)"
                let bodies: [[UInt8]] = [
                    SampleFile.filler(50_000),
                    Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n".utf8),  // no closing delimiter
                    Array("--XyZ\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--XyZ--\r\n".utf8),  // no name
                    Array("--XyZ\r\n\r\nvalue\r\n--XyZ--\r\n".utf8),  // no headers
                    Array("--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nvalue\r\n--XyZ--\r\n".utf8),
                    Array("--XyZ\r\nBad Header\r\n\r\nvalue\r\n--XyZ--\r\n".utf8),
                    Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\u{FF}".utf8) + [0xFF, 0xFE] + Array("\r\n--XyZ--\r\n".utf8),
                    Array("--XyZ\r\nX-Long: \(String(repeating: "h", count: 20_000))\r\n\r\nv\r\n--XyZ--\r\n".utf8),
                    Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\nsome bytes\r\n--XyZ--\r\n".utf8),
                ]
                for (index, bytes) in bodies.enumerated() {
                    for chunkSize in [nil, 7] as [Int?] {
                        let request = fixture.request(bytes, contentType: contentType, chunkSize: chunkSize)
                        let error = await #expect(throws: AppError.self, "body \(index)") {
                            try await MultipartUpload.receive(request: request, blobStore: fixture.store, tenant: fixture.tenant)
                        }
                        #expect(error?.kind == .badRequest, "body \(index): \(String(describing: error))")
                    }
                }
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }

        @Test("the beforeFiles hook sees the fields sent before the first file, and can stop the upload before anything is stored")
        func beforeFilesHook() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.field("csrf", "good")
                body.file("f", fileName: "a.jpg", SampleFile.jpeg())
                body.field("late", "x")
                body.file("f", fileName: "b.jpg", SampleFile.jpeg())

                let seen = PulledBytes()
                let form = try await fixture.receive(body) { fields in
                    seen.add(1)
                    #expect(fields.map(\.name) == ["csrf"])
                    #expect(fixture.filesOnDisk.isEmpty)
                }
                #expect(seen.value == 1)
                #expect(form.files.count == 2)

                let csrfFailure = AppError(.forbidden, code: "csrf", "The form expired. Please reload the page.")
                var forged = MultipartBody()
                forged.file("f", fileName: "a.jpg", SampleFile.jpeg())
                forged.field("csrf", "too-late")
                let error = await #expect(throws: AppError.self) {
                    try await fixture.receive(forged) { fields in
                        guard fields.contains(where: { $0.name == "csrf" }) else { throw csrfFailure }
                    }
                }
                #expect(error?.code == "csrf")
                #expect(fixture.filesOnDisk.count == 2)  // only the first, accepted form's files

                // Without files the hook still runs, once, at the end.
                var noFiles = MultipartBody()
                noFiles.field("csrf", "good")
                noFiles.emptyFileInput("f")
                let runs = PulledBytes()
                _ = try await fixture.receive(noFiles) { fields in
                    runs.add(1)
                    #expect(fields.map(\.name) == ["csrf"])
                }
                #expect(runs.value == 1)
            }
        }

        @Test("receive works on any body sequence, without a Request")
        func withoutRequest() async throws {
            try await UploadFixture.with { fixture in
                var body = MultipartBody()
                body.file("f", fileName: "a.dwg", SampleFile.dwg())
                let stream = MultipartStream(
                    contentType: body.contentType, contentLength: nil, body: ChunkedBody(bytes: body.finished(), chunkSize: 64))
                let form = try await MultipartUpload.receive(request: stream, blobStore: fixture.store, tenant: fixture.tenant)
                #expect(form.files.first?.kind == .dwg)
                await form.deleteFiles(from: fixture.store, tenant: fixture.tenant)
                #expect(fixture.filesOnDisk.isEmpty)
            }
        }
    }
}
