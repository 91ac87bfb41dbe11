import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto
import Testing

@testable import Portico

extension UploadTests {
    @Suite("Upload multipart: limits on file size, file count, total size and fields, held while streaming")
    struct MultipartLimitTests: UploadMultipartScenario {
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
    }
}
