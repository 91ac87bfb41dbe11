import Foundation
import Hummingbird
import Logging
import NIOCore

/// Receives a `multipart/form-data` request: text fields into memory, files streamed into
/// the blob store as they arrive. Never holds a whole file in memory.
///
/// Every file is checked by name and first bytes (`FileTypePolicy`), counted against the
/// limits while it streams, and scanned (when a scanner is configured) before it counts as
/// received. Any failure deletes everything this request stored: no orphans.
public enum MultipartUpload {
    /// A hook that runs once, before the first file is stored (or after the last part when
    /// there are no files), with the text fields received so far. Throw to refuse the upload:
    /// a CSRF check here stores no byte of a forged request. Forms must put such fields
    /// before their file inputs.
    public typealias BeforeFiles = (_ fieldsSoFar: [UploadedForm.Field]) async throws -> Void

    /// Receives the multipart body of `request`: a Hummingbird `Request`, or any stream of bytes
    /// with its headers (`MultipartStream`).
    public static func receive(
        request: some MultipartSource,
        limits: UploadLimits = .standard,
        blobStore: any BlobStore,
        tenant: TenantID,
        scanner: any VirusScanner = NoScanner(),
        policy: FileTypePolicy = .standard,
        logger: Logger? = nil,
        beforeFiles: BeforeFiles? = nil
    ) async throws -> UploadedForm {
        let boundary = try MultipartHeaders.boundary(contentType: request.multipartContentType)
        if let contentLength = request.multipartLength, contentLength > limits.maxTotalSize {
            throw UploadSession.totalTooLarge(limits)
        }
        let session = UploadSession(
            boundary: boundary, limits: limits, store: blobStore, tenant: tenant, scanner: scanner,
            policy: policy, logger: logger, beforeFiles: beforeFiles
        )
        do {
            return try await session.run(request.multipartBody)
        } catch {
            await session.discardEverything()
            throw error
        }
    }
}

/// Where a multipart body comes from: its `Content-Type` (with the boundary), its declared
/// length, and its bytes as they arrive.
public protocol MultipartSource {
    associatedtype Bytes: AsyncSequence<ByteBuffer, any Error>
    var multipartContentType: String? { get }
    var multipartLength: Int? { get }
    var multipartBody: Bytes { get }
}

extension Request: MultipartSource {
    public var multipartContentType: String? { headers[.contentType] }
    public var multipartLength: Int? { headers[.contentLength].flatMap { Int($0) } }
    public var multipartBody: RequestBody { body }
}

/// A multipart body that does not come from a Hummingbird `Request`.
public struct MultipartStream<Bytes: AsyncSequence<ByteBuffer, any Error>>: MultipartSource {
    public let multipartContentType: String?
    public let multipartLength: Int?
    public let multipartBody: Bytes

    public init(contentType: String?, contentLength: Int?, body: Bytes) {
        multipartContentType = contentType
        multipartLength = contentLength
        multipartBody = body
    }
}
