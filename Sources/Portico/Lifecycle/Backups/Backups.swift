import Foundation
import Logging
import Postgres

/// Whole-deployment backups: one tar file holding a `pg_dump` of the database (custom
/// format, taken as the schema owner), every uploaded file, and a manifest with checksums.
///
/// The dump is one consistent snapshot. Files are hard-linked into the staging folder right
/// after it (blobs never change once written, and a link keeps a file even if it is deleted
/// meanwhile), so every file the snapshot refers to is in the archive unless it was deleted
/// in those seconds; files uploaded later may be included too, unreferenced and harmless.
public struct Backups: Sendable {
    /// The schema owner (`MIGRATE_DATABASE_URL`, or the embedded cluster's owner).
    public let ownerURL: String
    /// `PORTICO_DATA_DIR`; uploaded files live in its `files/` folder.
    public let dataDirectory: URL
    public let logger: Logger

    public init(ownerURL: String, dataDirectory: URL, logger: Logger) {
        self.ownerURL = ownerURL
        self.dataDirectory = dataDirectory.standardizedFileURL
        self.logger = logger
    }

    var filesRoot: URL { dataDirectory.appendingPathComponent(BackupManifest.filesDirectory, isDirectory: true) }

    static let archivePrefix = "portico-backup-"
    static let archiveSuffix = ".tar"

    /// What `create` wrote.
    public struct Created: Sendable {
        public let file: URL
        public let size: Int64
        public let manifest: BackupManifest
    }

    // MARK: Create

    /// Writes `portico-backup-<UTC time>.tar` into `directory` (created, mode 0700), recording
    /// the attempt in `backup_runs`. The archive appears under its name only when complete.
    public func create(in directory: URL, trigger: BackupRun.Trigger) async throws -> Created {
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: ownerURL, maxConnections: 1), logger: logger)
        let run = try? await owner.withConnection { try await BackupRun.start(trigger, on: $0) }
        do {
            let created = try await write(into: directory, owner: owner)
            if let run {
                _ = try? await owner.withConnection { connection in
                    try await BackupRun.succeeded(
                        run, file: created.file.lastPathComponent, size: created.size,
                        migrationLevel: created.manifest.migrationLevel, on: connection)
                }
            }
            await owner.close()
            return created
        } catch {
            if let run { _ = try? await owner.withConnection { try await BackupRun.failed(run, error: "\(error)", on: $0) } }
            await owner.close()
            throw error
        }
    }

    private func write(into directory: URL, owner: ConnectionPool) async throws -> Created {
        try await offThread {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let facts = try await databaseFacts(owner)
        return try await Scratch.using(near: directory, prefix: "backup") { scratch in
            let dump = scratch.url.appendingPathComponent(BackupManifest.databaseFile)
            // The owner reads every row only with portico.backup = on (migration 0032's policy);
            // --enable-row-security makes pg_dump read through that policy instead of refusing.
            let dumped = try await PostgresClientTools.locate().run(
                "pg_dump", ["--format=custom", "--enable-row-security", "--no-password", "--file=\(dump.path)"],
                conninfo: ownerURL, environment: ["PGOPTIONS": "-c portico.backup=on"]
            )
            guard dumped.exitCode == 0 else { throw LifecycleError("pg_dump failed: \(dumped.output.suffix(600))") }

            let filesRoot = filesRoot
            let staged = try await offThread {
                try Self.stageFiles(from: filesRoot, into: scratch.url.appendingPathComponent(BackupManifest.filesDirectory))
            }
            let entries = try await offThread {
                try ([BackupManifest.databaseFile] + staged).map { path in
                    let digest = try FileDigest.sha256(of: scratch.url.appendingPathComponent(path))
                    return BackupManifest.Entry(path: path, size: digest.size, sha256: digest.sha256)
                }
            }
            let manifest = BackupManifest(
                format: BackupManifest.formatName, formatVersion: BackupManifest.currentFormatVersion, porticoVersion: PorticoVersion.current,
                migrationLevel: facts.migrationLevel, createdAt: Date(), postgresServerVersion: facts.serverVersion,
                databaseName: facts.database, tenantCount: facts.tenants, fileCount: staged.count, entries: entries
            )
            let encoded = try manifest.encoded()
            try await offThread { try encoded.write(to: scratch.url.appendingPathComponent(BackupManifest.fileName)) }

            let name = try await offThread { Self.archiveName(for: manifest.createdAt, in: directory) }
            let partial = scratch.url.appendingPathComponent(name + ".partial")
            var members = [BackupManifest.fileName, BackupManifest.databaseFile]
            if !staged.isEmpty { members.append(BackupManifest.filesDirectory) }
            try await Tar.create(partial, from: scratch.url, members: members)
            let final = directory.appendingPathComponent(name)
            let size = try await offThread {
                chmod(partial.path, 0o600)
                try FileManager.default.moveItem(at: partial, to: final)
                return (try? FileManager.default.attributesOfItem(atPath: final.path)[.size] as? Int64) ?? 0
            }
            logger.info("Backup written", metadata: ["file": "\(final.path)", "bytes": "\(size)", "files": "\(staged.count)"])
            return Created(file: final, size: size, manifest: manifest)
        }
    }

    struct DatabaseFacts {
        let migrationLevel: Int
        let serverVersion: String
        let database: String
        let tenants: Int
    }

    func databaseFacts(_ owner: ConnectionPool) async throws -> DatabaseFacts {
        guard
            let row = try await owner.query(
                """
                SELECT (SELECT max(version) FROM schema_migrations) AS level, current_setting('server_version') AS server,
                       current_database() AS database, (SELECT count(*) FROM tenants)::int AS tenants
                """
            ).rows.first, let level = try row.decode("level", as: Int?.self)
        else { throw LifecycleError("The database has no applied migrations: there is nothing to back up") }
        return DatabaseFacts(
            migrationLevel: level, serverVersion: try row.decode("server"), database: try row.decode("database"),
            tenants: try row.decode("tenants"))
    }

    /// Hard-links (or, across file systems, copies) every finished blob under `root` into
    /// `target`; returns their archive paths (`files/…`), sorted. Temporary `.tmp-` files of
    /// uploads in progress are left out.
    static func stageFiles(from root: URL, into target: URL) throws -> [String] {
        let manager = FileManager.default
        guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: []) else { return [] }
        var paths: [String] = []
        let rootPath = root.standardizedFileURL.path
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, !url.lastPathComponent.hasPrefix(".") else {
                continue
            }
            let relative = String(url.standardizedFileURL.path.dropFirst(rootPath.count + 1))
            let path = BackupManifest.filesDirectory + "/" + relative
            guard BackupManifest.isSafeMemberPath(path) else { continue }
            let destination = target.appendingPathComponent(relative)
            try manager.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if link(url.path, destination.path) != 0 {
                // Deleted since the walk saw it: it is not part of this backup.
                if errno == ENOENT { continue }
                try manager.copyItem(at: url, to: destination)
            }
            paths.append(path)
        }
        return paths.sorted()
    }

    static func archiveName(for date: Date, in directory: URL) -> String {
        let stem = archivePrefix + DateFormats.stamp.format(date)
        var name = stem + archiveSuffix
        var counter = 2
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            name = "\(stem)-\(counter)\(archiveSuffix)"
            counter += 1
        }
        return name
    }
}
