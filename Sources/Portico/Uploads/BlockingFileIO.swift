import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking file system calls on a `NIOThreadPool`, never on Swift's cooperative pool.
///
/// Work is not cancelled with the calling task: the calls are short, and cleanup (deleting
/// a half-written upload) must still happen when the request that started it was cancelled.
struct BlockingFileIO: Sendable {
    let pool: NIOThreadPool

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.submit { state in
                switch state {
                case .active:
                    continuation.resume(with: Result(catching: body))
                case .cancelled:
                    continuation.resume(throwing: BlobStoreError.misconfigured("The file I/O thread pool has been shut down"))
                }
            }
        }
    }
}

/// An open file descriptor, closed exactly once: explicitly, or when the last reference goes.
final class FileDescriptorBox: Sendable {
    private let descriptor: Mutex<Int32?>

    init(_ descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    deinit {
        if let fd = descriptor.withLock({ $0 }) { _ = Posix.close(fd) }
    }

    /// The descriptor, or nil once closed.
    var value: Int32? { descriptor.withLock { $0 } }

    func close() {
        let fd: Int32? = descriptor.withLock { value in
            defer { value = nil }
            return value
        }
        if let fd { _ = Posix.close(fd) }
    }
}

/// Thin, throwing wrappers over the POSIX calls the blob store needs. All of them block.
enum Posix {
    static func fail(_ operation: String, _ path: String) -> BlobStoreError {
        .io(operation: operation, path: path, errno: errno)
    }

    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    /// `mkdir -p` with mode 0700 for every level it creates. Existing directories keep their mode.
    static func makeDirectories(_ path: String) throws {
        if mkdir(path, 0o700) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw fail("mkdir", path) }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != path else { throw fail("mkdir", path) }
        try makeDirectories(parent)
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw fail("mkdir", path) }
    }

    static func createExclusive(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw fail("create", path) }
        return fd
    }

    /// Opens a regular file for reading; symbolic links and anything that is not a plain file
    /// count as missing.
    static func openRegularFile(_ path: String) throws -> (fd: Int32, size: Int)? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { return nil }
            throw fail("open", path)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = fail("stat", path)
            _ = close(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = close(fd)
            return nil
        }
        return (fd, Int(info.st_size))
    }

    static func writeAll(_ fd: Int32, _ buffer: ByteBuffer, path: String) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw fail("write", path)
                }
                offset += written
            }
        }
    }

    /// Up to `count` bytes at `offset`; fewer only at the end of the file.
    static func read(_ fd: Int32, offset: Int, count: Int, path: String) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        while buffer.readableBytes < count {
            let wanted = count - buffer.readableBytes
            let position = off_t(offset + buffer.readableBytes)
            let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { target in
                while true {
                    let result = pread(fd, target.baseAddress!, wanted, position)
                    if result < 0 && errno == EINTR { continue }
                    if result < 0 { throw fail("read", path) }
                    return result
                }
            }
            if got == 0 { break }
        }
        return buffer
    }

    static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    /// Makes a rename durable. Best effort: some file systems cannot sync a directory.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    static func rename(_ from: String, to: String) throws {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw fail("rename", from) }
    }

    /// Removes a file; a file that is already gone is fine.
    static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw fail("unlink", path) }
    }
}
