import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Portico
import Testing

extension UploadTests {
    @Suite("Upload through a live HTTP server")
    struct LiveServerTests {
        /// A route the way the portal will write one: receive, then answer; refusals become their status.
        static func application(_ fixture: UploadFixture, limits: UploadLimits) -> some ApplicationProtocol {
            let router = Router()
            router.post("/upload") { request, _ -> Response in
                do {
                    let form = try await MultipartUpload.receive(request: request, limits: limits, blobStore: fixture.store, tenant: fixture.tenant)
                    let summary = form.files.map { "\($0.fileName):\($0.size):\($0.contentType)" }.joined(separator: ",")
                    return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: summary)))
                } catch let error as AppError {
                    return Response(status: error.status, body: ResponseBody(byteBuffer: ByteBuffer(string: error.message)))
                }
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }

        @Test("a real HTTP request streams into the store; an oversized one gets 413 and leaves nothing")
        func liveUpload() async throws {
            try await UploadFixture.with { fixture in
                let limits = UploadLimits(maxFileSize: 300_000, maxFiles: 10, maxTotalSize: 4 * 1024 * 1024)
                try await Self.application(fixture, limits: limits).test(.live) { client in
                    var body = MultipartBody()
                    body.field("csrf", "abc")
                    body.file("photo", fileName: "mast.jpg", contentType: "image/jpeg", SampleFile.jpeg(size: 300_000))
                    body.file("plan", fileName: "site.dxf", SampleFile.dxf)
                    try await client.execute(
                        uri: "/upload", method: .post, headers: [.contentType: body.contentType],
                        body: ByteBuffer(bytes: body.finished())
                    ) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body) == "mast.jpg:300000:image/jpeg,site.dxf:\(SampleFile.dxf.count):image/vnd.dxf")
                    }
                    #expect(fixture.filesOnDisk.count == 2)

                    var tooBig = MultipartBody()
                    tooBig.file("photo", fileName: "big.png", SampleFile.png(size: 300_001))
                    try await client.execute(
                        uri: "/upload", method: .post, headers: [.contentType: tooBig.contentType],
                        body: ByteBuffer(bytes: tooBig.finished())
                    ) { response in
                        #expect(response.status == .contentTooLarge)
                        #expect(String(buffer: response.body).hasPrefix("big.png is larger than 293 KB"))
                    }
                    #expect(fixture.filesOnDisk.count == 2)
                }
            }
        }
    }
}
