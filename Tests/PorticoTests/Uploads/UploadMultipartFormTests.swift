import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto
import Testing

@testable import Portico

extension UploadTests {
    @Suite("Upload multipart: fields and files read, stored and named, in any chunking")
    struct MultipartFormTests: UploadMultipartScenario {
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
