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

    public static func receive(
        request: Request,
        limits: UploadLimits = .standard,
        blobStore: any BlobStore,
        tenant: TenantID,
        scanner: any VirusScanner = NoScanner(),
        policy: FileTypePolicy = .standard,
        logger: Logger? = nil,
        beforeFiles: BeforeFiles? = nil
    ) async throws -> UploadedForm {
        try await receive(
            contentType: request.headers[.contentType],
            contentLength: request.headers[.contentLength].flatMap { Int($0) },
            body: request.body,
            limits: limits, blobStore: blobStore, tenant: tenant, scanner: scanner, policy: policy,
            logger: logger, beforeFiles: beforeFiles
        )
    }

    /// The same for a body that does not come from a Hummingbird `Request`.
    public static func receive(
        contentType: String?,
        contentLength: Int?,
        body: some AsyncSequence<ByteBuffer, any Error>,
        limits: UploadLimits = .standard,
        blobStore: any BlobStore,
        tenant: TenantID,
        scanner: any VirusScanner = NoScanner(),
        policy: FileTypePolicy = .standard,
        logger: Logger? = nil,
        beforeFiles: BeforeFiles? = nil
    ) async throws -> UploadedForm {
        let boundary = try MultipartHeaders.boundary(contentType: contentType)
        if let contentLength, contentLength > limits.maxTotalSize {
            throw UploadSession.totalTooLarge(limits)
        }
        let session = UploadSession(
            boundary: boundary, limits: limits, store: blobStore, tenant: tenant, scanner: scanner,
            policy: policy, logger: logger, beforeFiles: beforeFiles
        )
        do {
            return try await session.run(body)
        } catch {
            await session.discardEverything()
            throw error
        }
    }
}
