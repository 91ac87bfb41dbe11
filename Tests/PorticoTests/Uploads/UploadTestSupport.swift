import Foundation
import Hummingbird
import NIOCore
import Portico
import Synchronization
import Testing

/// Every upload suite nests in here, so `--filter UploadTests` runs them all.
@Suite("Uploads")
enum UploadTests {}

/// Sample files: the smallest byte strings each format's signature check accepts, padded
/// with pseudo-random content (including CR, LF and dashes, which stress the multipart
/// boundary search).
enum SampleFile {
    static func filler(_ count: Int, seed: UInt64 = 0x5EED) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    static func jpeg(size: Int = 2048) -> [UInt8] {
        let head: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8)
        return head + filler(max(0, size - head.count - 2)) + [0xFF, 0xD9]
    }

    static func png(size: Int = 1500) -> [UInt8] {
        let head: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        return head + filler(max(0, size - head.count))
    }

    static func pdf(body: String = "1 0 obj << /Type /Catalog >> endobj") -> [UInt8] {
        Array("%PDF-1.7\n%\u{E2}\u{E3}\n\(body)\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static let dxf = Array("  0\r\nSECTION\r\n  2\r\nHEADER\r\n  9\r\n$ACADVER\r\n  1\r\nAC1015\r\n  0\r\nENDSEC\r\n  0\r\nEOF\r\n".utf8)
    /// LibreCAD starts with a `999` comment.
    static let dxfWithComment = Array("999\ndxfrw 0.6.3\n  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n".utf8)
    static let binaryDXF = Array("AutoCAD Binary DXF\r\n".utf8) + [0x1A, 0x00] + filler(200)

    static func dwg(version: String = "AC1032") -> [UInt8] {
        Array(version.utf8) + [0, 0, 0, 0, 0, 0x0F, 0x01] + filler(600)
    }

    static func heic(brand: String = "heic") -> [UInt8] {
        [0, 0, 0, 0x18] + Array("ftyp\(brand)".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8) + filler(900)
    }

    static func webp() -> [UInt8] {
        Array("RIFF".utf8) + [0x24, 0x03, 0, 0] + Array("WEBPVP8 ".utf8) + filler(800)
    }

    static func exe() -> [UInt8] {
        Array("MZ".utf8) + [0x90, 0, 3, 0, 0, 0, 4, 0] + filler(700)
    }

    /// The EICAR anti-virus test string, assembled so this source file is not itself flagged.
    static let eicar = Array(("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*").utf8)
}

/// A `multipart/form-data` body, built the way browsers build one.
struct MultipartBody {
    let boundary: String
    private(set) var bytes: [UInt8] = []

    init(boundary: String = "----PorticoTestBoundary\(UInt32.random(in: 0...UInt32.max))") {
        self.boundary = boundary
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        part(headers: ["Content-Disposition: form-data; name=\"\(name)\""], body: Array(value.utf8))
    }

    mutating func file(_ name: String, fileName: String, contentType: String = "application/octet-stream", _ content: [UInt8]) {
        part(
            headers: ["Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"", "Content-Type: \(contentType)"],
            body: content)
    }

    /// What a browser sends for a file input with nothing chosen.
    mutating func emptyFileInput(_ name: String) {
        file(name, fileName: "", contentType: "application/octet-stream", [])
    }

    mutating func part(headers: [String], body: [UInt8]) {
        bytes += Array("--\(boundary)\r\n".utf8)
        for header in headers { bytes += Array("\(header)\r\n".utf8) }
        bytes += Array("\r\n".utf8)
        bytes += body
        bytes += Array("\r\n".utf8)
    }

    func finished() -> [UInt8] {
        bytes + Array("--\(boundary)--\r\n".utf8)
    }
}

/// Counts the bytes a consumer actually pulled from a streamed body.
final class PulledBytes: Sendable {
    private let count = Mutex(0)
    func add(_ n: Int) { count.withLock { $0 += n } }
    var value: Int { count.withLock { $0 } }
}

/// A request body delivered in fixed-size chunks, optionally failing after some bytes.
struct ChunkedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    let chunkSize: Int
    var pulled: PulledBytes? = nil
    var failAfter: Int? = nil

    struct ConnectionReset: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: ChunkedBody
        var offset = 0

        mutating func next() async throws -> ByteBuffer? {
            if let failAfter = body.failAfter, offset >= failAfter { throw ConnectionReset() }
            guard offset < body.bytes.count else { return nil }
            let end = Swift.min(offset + body.chunkSize, body.bytes.count)
            let chunk = ByteBuffer(bytes: body.bytes[offset..<end])
            body.pulled?.add(end - offset)
            offset = end
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}

/// A blob store in a fresh temporary directory, for one test.
struct UploadFixture {
    let root: URL
    let store: FileBlobStore
    let tenant = TenantID(UUID())

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("portico-uploads-\(UUID().uuidString)")
        store = FileBlobStore(root: root.appendingPathComponent("files"))
    }

    static func with<T>(_ body: (UploadFixture) async throws -> T) async throws -> T {
        let fixture = try UploadFixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        return try await body(fixture)
    }

    var tenantDirectory: URL { store.root.appendingPathComponent(tenant.description) }

    /// Every regular file under the tenant's directory, temporary ones included.
    var filesOnDisk: [String] {
        regularFiles(under: tenantDirectory)
    }

    func request(
        _ body: [UInt8], contentType: String?, chunkSize: Int? = nil, pulled: PulledBytes? = nil,
        failAfter: Int? = nil, contentLength: Int? = nil
    ) -> Request {
        var headers = HTTPFields()
        if let contentType { headers[.contentType] = contentType }
        if let contentLength { headers[.contentLength] = String(contentLength) }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "acme.localhost", path: "/portal/work-orders/1/files", headerFields: headers)
        let requestBody: RequestBody
        if let chunkSize {
            requestBody = RequestBody(asyncSequence: ChunkedBody(bytes: body, chunkSize: chunkSize, pulled: pulled, failAfter: failAfter))
        } else {
            requestBody = RequestBody(buffer: ByteBuffer(bytes: body))
        }
        return Request(head: head, body: requestBody)
    }

    func receive(
        _ body: MultipartBody, limits: UploadLimits = .standard, chunkSize: Int? = nil, pulled: PulledBytes? = nil,
        scanner: any VirusScanner = NoScanner(), beforeFiles: MultipartUpload.BeforeFiles? = nil
    ) async throws -> UploadedForm {
        let request = request(body.finished(), contentType: body.contentType, chunkSize: chunkSize, pulled: pulled)
        return try await MultipartUpload.receive(
            request: request, limits: limits, blobStore: store, tenant: tenant, scanner: scanner, beforeFiles: beforeFiles
        )
    }

    func storedBytes(_ key: BlobKey) async throws -> [UInt8] {
        let buffer = try await store.read(tenant: tenant, key: key, upTo: 100 * 1024 * 1024)
        return Array(buffer.readableBytesView)
    }
}

func regularFiles(under directory: URL) -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
        return []
    }
    var files: [String] = []
    for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
        files.append(url.path)
    }
    return files
}

func posixPermissions(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
}
