import Foundation
import NIOCore

/// Where uploaded files live. Every operation is scoped to a tenant: a key only means
/// something together with the tenant that stored it.
///
/// Blobs are immutable: written once through a `BlobWriter`, then read or deleted.
public protocol BlobStore: Sendable {
    /// Starts a new blob under a fresh server-generated key. Nothing is visible under that
    /// key until `finish()` succeeds.
    func makeWriter(tenant: TenantID) async throws -> any BlobWriter

    /// The content of a stored blob; throws `BlobStoreError.notFound` when there is none.
    func open(tenant: TenantID, key: BlobKey) async throws -> BlobContent

    /// Removes a blob. Removing one that does not exist is not an error, so cleanups can
    /// be repeated.
    func delete(tenant: TenantID, key: BlobKey) async throws

    /// Every finished blob of the tenant (a tenant export takes them all).
    func keys(tenant: TenantID) async throws -> [BlobKey]

    /// Removes everything stored for the tenant, finished or not (offboarding). Returns how
    /// many blobs went.
    func removeAll(tenant: TenantID) async throws -> Int
}

/// One blob being written. Used by one task at a time, in order: `write`…, then exactly one
/// of `finish()` or `abort()`.
public protocol BlobWriter: AnyObject {
    var key: BlobKey { get }
    /// Bytes written so far.
    var size: Int { get }
    func write(_ buffer: ByteBuffer) async throws
    /// Makes the blob visible under `key`, complete or not at all.
    func finish() async throws -> StoredBlob
    /// Throws away what was written. Never fails: cleanup paths must be able to rely on it.
    func abort() async
}

public struct StoredBlob: Sendable, Hashable {
    public let key: BlobKey
    public let size: Int
    /// Lower-case hex SHA-256 of the content.
    public let sha256: String

    public init(key: BlobKey, size: Int, sha256: String) {
        self.key = key
        self.size = size
        self.sha256 = sha256
    }
}

public enum BlobStoreError: Error, Sendable, CustomStringConvertible {
    case notFound(BlobKey)
    /// A file system call failed: the operation, the path and `errno`.
    case io(operation: String, path: String, errno: Int32)
    /// A blob was larger than the caller was prepared to read into memory.
    case tooLarge(BlobKey, size: Int, limit: Int)
    /// The store was asked to do something its configuration does not allow.
    case misconfigured(String)

    public var description: String {
        switch self {
        case .notFound(let key):
            "No blob \(key)"
        case .io(let operation, let path, let code):
            "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .tooLarge(let key, let size, let limit):
            "Blob \(key) has \(size) bytes, more than the \(limit) asked for"
        case .misconfigured(let message):
            message
        }
    }
}

extension BlobStore {
    /// Stores everything `chunks` yields as one blob; on any error nothing is kept.
    public func put(tenant: TenantID, chunks: some AsyncSequence<ByteBuffer, any Error>) async throws -> StoredBlob {
        let writer = try await makeWriter(tenant: tenant)
        do {
            for try await chunk in chunks {
                try await writer.write(chunk)
            }
            return try await writer.finish()
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// Stores bytes already in memory (generated files, tests).
    public func put(tenant: TenantID, bytes: some Collection<UInt8>) async throws -> StoredBlob {
        let writer = try await makeWriter(tenant: tenant)
        do {
            try await writer.write(ByteBuffer(bytes: bytes))
            return try await writer.finish()
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// A small blob in one buffer; refuses blobs larger than `limit` rather than filling memory.
    public func read(tenant: TenantID, key: BlobKey, upTo limit: Int) async throws -> ByteBuffer {
        let content = try await open(tenant: tenant, key: key)
        guard content.size <= limit else { throw BlobStoreError.tooLarge(key, size: content.size, limit: limit) }
        var collected = ByteBuffer()
        collected.reserveCapacity(content.size)
        for try await var chunk in content {
            guard collected.readableBytes + chunk.readableBytes <= limit else {
                throw BlobStoreError.tooLarge(key, size: collected.readableBytes + chunk.readableBytes, limit: limit)
            }
            collected.writeBuffer(&chunk)
        }
        return collected
    }
}

/// A stored blob's bytes, read lazily in chunks. Can be iterated more than once; each
/// iteration reads from the start.
public struct BlobContent: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    public let size: Int
    private let makeReader: @Sendable () -> () async throws -> ByteBuffer?

    /// - Parameter makeReader: returns a function that yields the next chunk, or nil at the end.
    public init(size: Int, makeReader: @escaping @Sendable () -> () async throws -> ByteBuffer?) {
        self.size = size
        self.makeReader = makeReader
    }

    /// Content already in memory.
    public init(buffer: ByteBuffer) {
        self.size = buffer.readableBytes
        self.makeReader = {
            var remaining: ByteBuffer? = buffer.readableBytes > 0 ? buffer : nil
            return {
                defer { remaining = nil }
                return remaining
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let nextChunk: () async throws -> ByteBuffer?

        public mutating func next() async throws -> ByteBuffer? {
            try await nextChunk()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(nextChunk: makeReader())
    }
}
