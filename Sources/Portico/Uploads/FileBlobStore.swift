import Foundation
import NIOCore
import NIOPosix
import PorticoCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blobs as files: `<root>/<tenant-id>/<first two key characters>/<key>`, directories 0700,
/// files 0600. The root is `PORTICO_DATA_DIR/files`, outside anything a web server serves.
///
/// A blob is written to `.tmp-…` in its final directory, synced, and renamed into place only
/// when complete, so a reader never sees half a file. Temporary names start with a dot and
/// so can never be mistaken for a key.
public struct FileBlobStore: BlobStore {
    public let root: URL
    private let rootPath: String
    private let io: BlockingFileIO
    /// Size of the chunks `open` yields.
    public var readChunkSize = 64 * 1024

    static let temporaryPrefix = ".tmp-"

    public init(root: URL, threadPool: NIOThreadPool = .singleton) {
        self.root = root.standardizedFileURL
        self.rootPath = self.root.path
        self.io = BlockingFileIO(pool: threadPool)
    }

    func tenantDirectory(_ tenant: TenantID) -> String {
        "\(rootPath)/\(tenant.description)"
    }

    func path(tenant: TenantID, key: BlobKey) -> String {
        "\(tenantDirectory(tenant))/\(key.shard)/\(key.rawValue)"
    }

    public func makeWriter(tenant: TenantID) async throws -> any BlobWriter {
        let key = BlobKey.generate()
        let directory = "\(tenantDirectory(tenant))/\(key.shard)"
        let temporaryPath = "\(directory)/\(Self.temporaryPrefix)\(SecureRandom.token(bytes: 12))"
        let fd = try await io.run {
            try Posix.makeDirectories(directory)
            return try Posix.createExclusive(temporaryPath)
        }
        return FileBlobWriter(
            key: key, file: FileDescriptorBox(fd), temporaryPath: temporaryPath,
            finalPath: "\(directory)/\(key.rawValue)", directory: directory, io: io
        )
    }

    public func open(tenant: TenantID, key: BlobKey) async throws -> BlobContent {
        let path = path(tenant: tenant, key: key)
        guard let (fd, size) = try await io.run({ try Posix.openRegularFile(path) }) else {
            throw BlobStoreError.notFound(key)
        }
        let file = FileDescriptorBox(fd)
        let io = io
        let chunkSize = max(1, readChunkSize)
        return BlobContent(size: size) {
            let reader = FileChunkReader(file: file, path: path, size: size, chunkSize: chunkSize, io: io)
            return { try await reader.next() }
        }
    }

    public func delete(tenant: TenantID, key: BlobKey) async throws {
        let path = path(tenant: tenant, key: key)
        try await io.run { try Posix.removeFile(path) }
    }

    public func keys(tenant: TenantID) async throws -> [BlobKey] {
        let directory = tenantDirectory(tenant)
        return try await io.run {
            let manager = FileManager.default
            var keys: [BlobKey] = []
            for shard in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] {
                for name in (try? manager.contentsOfDirectory(atPath: "\(directory)/\(shard)")) ?? [] {
                    if let key = BlobKey(name), key.shard == shard { keys.append(key) }
                }
            }
            return keys.sorted { $0.rawValue < $1.rawValue }
        }
    }

    public func removeAll(tenant: TenantID) async throws -> Int {
        let directory = tenantDirectory(tenant)
        let count = try await keys(tenant: tenant).count
        try await io.run {
            guard FileManager.default.fileExists(atPath: directory) else { return }
            try FileManager.default.removeItem(atPath: directory)
        }
        return count
    }

    /// Deletes temporary files a crashed process left behind (a finished or aborted write
    /// never leaves one). Returns how many were removed.
    public func removeAbandonedTemporaryFiles(olderThan age: Duration = .seconds(3600)) async throws -> Int {
        let rootPath = rootPath
        let cutoff = Date().addingTimeInterval(-Double(age.components.seconds))
        return try await io.run {
            let manager = FileManager.default
            var removed = 0
            for tenant in (try? manager.contentsOfDirectory(atPath: rootPath)) ?? [] {
                let tenantPath = "\(rootPath)/\(tenant)"
                for shard in (try? manager.contentsOfDirectory(atPath: tenantPath)) ?? [] {
                    let shardPath = "\(tenantPath)/\(shard)"
                    for name in (try? manager.contentsOfDirectory(atPath: shardPath)) ?? [] where name.hasPrefix(Self.temporaryPrefix) {
                        let path = "\(shardPath)/\(name)"
                        guard let modified = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                            modified < cutoff
                        else { continue }
                        try Posix.removeFile(path)
                        removed += 1
                    }
                }
            }
            return removed
        }
    }
}

final class FileBlobWriter: BlobWriter {
    private enum State { case writing, finished, aborted }

    let key: BlobKey
    private(set) var size = 0
    private let file: FileDescriptorBox
    private let temporaryPath: String
    private let finalPath: String
    private let directory: String
    private let io: BlockingFileIO
    private let hasher = SHA256Hasher()
    private var state = State.writing

    init(key: BlobKey, file: FileDescriptorBox, temporaryPath: String, finalPath: String, directory: String, io: BlockingFileIO) {
        self.key = key
        self.file = file
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        self.directory = directory
        self.io = io
    }

    deinit {
        // Dropped without finish() or abort() (a bug, or a task torn down): do not leave the
        // temporary file behind. The descriptor closes with its box.
        if state == .writing { unlink(temporaryPath) }
    }

    func write(_ buffer: ByteBuffer) async throws {
        precondition(state == .writing, "BlobWriter.write after finish() or abort()")
        guard buffer.readableBytes > 0 else { return }
        buffer.withUnsafeReadableBytes { hasher.update($0) }
        let file = file
        let path = temporaryPath
        try await io.run {
            guard let fd = file.value else { throw BlobStoreError.io(operation: "write", path: path, errno: EBADF) }
            try Posix.writeAll(fd, buffer, path: path)
        }
        size += buffer.readableBytes
    }

    func finish() async throws -> StoredBlob {
        precondition(state == .writing, "BlobWriter.finish after finish() or abort()")
        let file = file
        let (temporaryPath, finalPath, directory) = (self.temporaryPath, self.finalPath, self.directory)
        do {
            try await io.run {
                guard let fd = file.value else { throw BlobStoreError.io(operation: "fsync", path: temporaryPath, errno: EBADF) }
                // Data on disk before the name points at it: a crash leaves the old state or
                // the whole file, never a named empty one.
                try Posix.sync(fd, path: temporaryPath)
                file.close()
                try Posix.rename(temporaryPath, to: finalPath)
                Posix.syncDirectory(directory)
            }
        } catch {
            await abort()
            throw error
        }
        state = .finished
        return StoredBlob(key: key, size: size, sha256: Hex.encode(hasher.finalize()))
    }

    func abort() async {
        guard state == .writing else { return }
        state = .aborted
        let file = file
        let path = temporaryPath
        _ = try? await io.run {
            file.close()
            try Posix.removeFile(path)
        }
    }
}

/// Reads one open blob from the start in chunks, stopping at the size it had when opened.
final class FileChunkReader {
    private let file: FileDescriptorBox
    private let path: String
    private let size: Int
    private let chunkSize: Int
    private let io: BlockingFileIO
    private var offset = 0

    init(file: FileDescriptorBox, path: String, size: Int, chunkSize: Int, io: BlockingFileIO) {
        self.file = file
        self.path = path
        self.size = size
        self.chunkSize = chunkSize
        self.io = io
    }

    func next() async throws -> ByteBuffer? {
        guard offset < size else { return nil }
        let (file, path, offset) = (self.file, self.path, self.offset)
        let count = min(chunkSize, size - offset)
        let chunk = try await io.run {
            guard let fd = file.value else { throw BlobStoreError.io(operation: "read", path: path, errno: EBADF) }
            return try Posix.read(fd, offset: offset, count: count, path: path)
        }
        // Blobs never change once written; a short read means the file was damaged underneath us.
        guard chunk.readableBytes == count else { throw BlobStoreError.io(operation: "read (file shrank)", path: path, errno: EIO) }
        self.offset += count
        return chunk
    }
}
