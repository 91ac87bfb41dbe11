import Foundation
import PorticoCrypto
import Postgres

/// Backups and tenant exports are tar files written by GNU tar (`/usr/bin/tar`).
///
/// Why tar and not ZIP: a backup carries every uploaded file, possibly hundreds of thousands.
/// tar writes them in one streaming pass; ZIPFoundation rewrites its whole central directory
/// each time it adds an entry (quadratic in the number of files). tar is on every Linux host,
/// and Windows 10+ (`tar.exe`, Explorer) and macOS open it too.
enum Tar {
    static var executable: String {
        ["/usr/bin/tar", "/bin/tar"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/tar"
    }

    /// Creates `archive` from `members` (paths relative to `directory`), gzip-compressed when
    /// asked. Owners are recorded as 0, modes as owner-only, hard links as plain files.
    static func create(_ archive: URL, from directory: URL, members: [String], gzip: Bool = false) async throws {
        var command = [
            executable, "--create", "--format=pax", "--numeric-owner", "--owner=0", "--group=0",
            "--hard-dereference", "--mode=go-rwx", "--file", archive.path, "--directory", directory.path,
        ]
        if gzip { command.append("--gzip") }
        command.append("--")
        command += members
        let result = try await ChildProcess.runOffThread(command)
        guard result.exitCode == 0 else { throw LifecycleError("tar could not write \(archive.lastPathComponent): \(result.output.suffix(400))") }
    }

    /// Every member name, in archive order (directories end in `/`).
    static func names(_ archive: URL) async throws -> [String] {
        let result = try await ChildProcess.runOffThread([executable, "--list", "--file", archive.path])
        guard result.exitCode == 0 else {
            throw LifecycleError("\(archive.lastPathComponent) is not a readable tar archive: \(result.output.suffix(300))")
        }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// One member's content as bytes (a small file: the manifest).
    static func read(_ member: String, from archive: URL) async throws -> Data {
        try await Scratch.using(near: FileManager.default.temporaryDirectory, prefix: "read") { scratch in
            // --occurrence: stop at the first match instead of reading the whole archive.
            let result = try await ChildProcess.runOffThread([
                executable, "--extract", "--file", archive.path, "--directory", scratch.url.path,
                "--no-same-owner", "--occurrence=1", "--", member,
            ])
            guard result.exitCode == 0 else {
                throw LifecycleError("\(archive.lastPathComponent) has no readable \(member): \(result.output.suffix(300))")
            }
            return try await offThread { try Data(contentsOf: scratch.url.appendingPathComponent(member)) }
        }
    }

    /// Unpacks `members` (all when empty) into `directory`, which must exist. Files get the
    /// extracting user as owner and the archive's modes (0600).
    static func extract(_ archive: URL, members: [String] = [], into directory: URL) async throws {
        var command = [executable, "--extract", "--file", archive.path, "--directory", directory.path, "--no-same-owner"]
        if !members.isEmpty { command.append("--"); command += members }
        let result = try await ChildProcess.runOffThread(command)
        guard result.exitCode == 0 else { throw LifecycleError("tar could not unpack \(archive.lastPathComponent): \(result.output.suffix(400))") }
    }
}

/// A working directory that goes away afterwards (mode 0700: it holds a whole database).
struct Scratch: Sendable {
    let url: URL

    /// A fresh directory beside `base` (same file system, so hard links and renames work).
    static func directory(near base: URL, prefix: String) throws -> Scratch {
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let url = base.appendingPathComponent(".portico-\(prefix)-\(SecureRandom.token(bytes: 9))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return Scratch(url: url)
    }

    /// Runs `body` with a fresh folder beside `base` and removes the folder afterwards, whatever
    /// happens; creating and removing (a tree of thousands of files) happen off the cooperative pool.
    static func using<T: Sendable>(near base: URL, prefix: String, _ body: (Scratch) async throws -> T) async throws -> T {
        let scratch = try await offThread { try Scratch.directory(near: base, prefix: prefix) }
        do {
            let result = try await body(scratch)
            await scratch.discard()
            return result
        } catch {
            await scratch.discard()
            throw error
        }
    }

    func discard() async {
        let url = url
        _ = try? await offThread { try? FileManager.default.removeItem(at: url) }
    }
}

/// Blocking file work (hashing, copying, walking directories) on a GCD thread.
func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// A file read in chunks, each read on a GCD thread (a download streamed to a client).
final class FileChunks: @unchecked Sendable {
    private let handle: FileHandle

    private init(_ handle: FileHandle) {
        self.handle = handle
    }

    static func open(_ url: URL) async throws -> FileChunks {
        try await offThread { FileChunks(try FileHandle(forReadingFrom: url)) }
    }

    /// Up to `count` bytes; empty at the end.
    func next(_ count: Int) async throws -> Data {
        try await offThread { try self.handle.read(upToCount: count) ?? Data() }
    }

    func close() {
        try? handle.close()
    }
}

enum FileDigest {
    /// SHA-256 (hex) and size of a file, read in 1 MiB chunks. Blocks.
    static func sha256(of url: URL) throws -> (sha256: String, size: Int64) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let hasher = SHA256Hasher()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(chunk)
            size += Int64(chunk.count)
        }
        return (Hex.encode(hasher.finalize()), size)
    }
}

/// A lifecycle operation that cannot go on, with a sentence an operator can act on.
public struct LifecycleError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
