import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto
import Testing

@testable import Portico

extension UploadTests {
    @Suite("Upload multipart: refused, cut-off and malformed bodies leave no orphans")
    struct MultipartRefusalTests: UploadMultipartScenario {
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
    }
}
