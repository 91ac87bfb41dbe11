import Foundation
import Postgres

extension Backups {
    /// What `restore` did.
    public struct Restored: Sendable {
        public let manifest: BackupManifest
        public let files: Int
        /// Where the files that were there before went (`--force` only).
        public let previousFiles: URL?
    }

    /// Restores a verified backup into this deployment's database and file store.
    ///
    /// Refuses a backup taken at a migration level this binary does not know (its schema is
    /// newer than the code), and a database or file store that is not empty unless `force`
    /// (then everything the owner role owns is dropped first and the old files are moved
    /// aside, not deleted). The dump is restored in one transaction: it lands whole or not at all.
    public func restore(_ file: URL, force: Bool, knownMigrationLevel: Int) async throws -> Restored {
        let manifest = try await BackupVerification.readManifest(file)
        guard manifest.migrationLevel <= knownMigrationLevel else {
            throw LifecycleError(
                """
                This backup's schema is newer than this portico: it was taken at migration level \(manifest.migrationLevel) \
                (portico \(manifest.porticoVersion)); this binary knows migrations up to \(knownMigrationLevel). \
                Restore it with a portico at least as new as the one that took it.
                """)
        }
        if !force {
            // Refuse a non-empty target before the (long) unpacking; checked again below.
            let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: ownerURL, maxConnections: 1), logger: logger)
            let contents = try? await databaseContents(owner)
            await owner.close()
            if let contents, contents.objects > 0 {
                throw LifecycleError(
                    """
                    The database '\(contents.database)' is not empty (\(contents.objects) objects, e.g. \(contents.examples)). \
                    Restore into an empty database, or pass --force to replace everything the owner role owns in it.
                    """)
            }
        }
        // Unpacked inside the data directory: the files then move into place by renaming.
        try await offThread { [dataDirectory] in
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return try await Scratch.using(near: dataDirectory, prefix: "restore") { scratch in
            let verification = try await BackupVerification.check(file, unpackingInto: scratch.url)
            guard verification.isValid else {
                throw LifecycleError(
                    "\(file.lastPathComponent) does not verify, nothing was restored: \(verification.problems.prefix(5).joined(separator: "; "))")
            }
            let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: ownerURL, maxConnections: 1), logger: logger)
            do {
                let restored = try await restore(unpacked: scratch.url, manifest: manifest, force: force, owner: owner)
                await owner.close()
                logger.info(
                    "Backup restored",
                    metadata: ["file": "\(file.path)", "migration_level": "\(manifest.migrationLevel)", "files": "\(manifest.fileCount)"])
                return restored
            } catch {
                await owner.close()
                throw error
            }
        }
    }

    private func restore(unpacked: URL, manifest: BackupManifest, force: Bool, owner: ConnectionPool) async throws -> Restored {
        let filesRoot = filesRoot
        let contents = try await databaseContents(owner)
        let existingFiles = try await offThread { Self.countFiles(in: filesRoot) }
        if !force {
            if contents.objects > 0 {
                throw LifecycleError(
                    """
                    The database '\(contents.database)' is not empty (\(contents.objects) objects, e.g. \(contents.examples)). \
                    Restore into an empty database, or pass --force to replace everything the owner role owns in it.
                    """)
            }
            if existingFiles > 0 {
                throw LifecycleError(
                    """
                    The file store \(filesRoot.path) is not empty (\(existingFiles) files). Restore into an empty data directory, \
                    or pass --force to move those files aside.
                    """)
            }
        }

        var previousFiles: URL?
        if force {
            if contents.objects > 0 {
                logger.warning("Dropping everything the owner role owns before the restore", metadata: ["database": "\(contents.database)"])
                try await owner.withConnection { connection in
                    try await connection.run(script: "DROP OWNED BY CURRENT_USER")
                    // The owner may have owned the schema itself (databases made before PostgreSQL 15).
                    if try await connection.scalar("SELECT to_regnamespace('public') IS NULL", as: Bool.self) == true {
                        try await connection.run(script: "CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC")
                    }
                }
                let after = try await databaseContents(owner)
                guard after.objects == 0 else {
                    throw LifecycleError(
                        """
                        After dropping what the owner role owns, \(after.objects) objects of other roles remain in '\(after.database)' \
                        (e.g. \(after.examples)); drop them by hand, then restore again.
                        """)
                }
            }
            if existingFiles > 0 {
                let aside = dataDirectory.appendingPathComponent("files.before-restore-\(Int(Date().timeIntervalSince1970))", isDirectory: true)
                try await offThread { try FileManager.default.moveItem(at: filesRoot, to: aside) }
                previousFiles = aside
            }
        }

        let restored = try await PostgresClientTools.locate().run(
            "pg_restore",
            [
                "--no-owner", "--single-transaction", "--exit-on-error", "--no-password",
                unpacked.appendingPathComponent(BackupManifest.databaseFile).path,
            ],
            conninfo: ownerURL
        )
        guard restored.exitCode == 0 else {
            throw LifecycleError("pg_restore failed, the database is unchanged: \(restored.output.suffix(600))")
        }
        let level = try await owner.query("SELECT max(version) FROM schema_migrations").rows.first?.decode(at: 0, as: Int?.self)
        guard level == manifest.migrationLevel else {
            throw LifecycleError(
                "The restored database is at migration level \(level.map(String.init) ?? "none"), the manifest says \(manifest.migrationLevel)")
        }

        if manifest.fileCount > 0 {
            let unpackedFiles = unpacked.appendingPathComponent(BackupManifest.filesDirectory, isDirectory: true)
            try await offThread {
                let manager = FileManager.default
                if manager.fileExists(atPath: filesRoot.path) { try manager.removeItem(at: filesRoot) }  // empty: checked above
                try manager.moveItem(at: unpackedFiles, to: filesRoot)
            }
        }
        let present = try await offThread { Self.countFiles(in: filesRoot) }
        guard present >= manifest.fileCount else {
            throw LifecycleError("Only \(present) of the backup's \(manifest.fileCount) files are in \(filesRoot.path) after the restore")
        }
        return Restored(manifest: manifest, files: manifest.fileCount, previousFiles: previousFiles)
    }

    struct DatabaseContents {
        let database: String
        let objects: Int
        let examples: String
    }

    /// Relations and functions in the public schema: a fresh database has none.
    func databaseContents(_ owner: ConnectionPool) async throws -> DatabaseContents {
        let row = try requireRow(
            try await owner.query(
                """
                WITH objects AS (
                    SELECT c.relname::text AS name FROM pg_class c
                     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                    UNION ALL
                    SELECT p.proname::text || '()' FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
                )
                SELECT current_database() AS database, (SELECT count(*) FROM objects)::int AS objects,
                       coalesce((SELECT string_agg(name, ', ') FROM (SELECT name FROM objects ORDER BY name LIMIT 3) x), '') AS examples
                """
            ).rows.first)
        return DatabaseContents(database: try row.decode("database"), objects: try row.decode("objects"), examples: try row.decode("examples"))
    }

    static func countFiles(in root: URL) -> Int {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return 0 }
        var count = 0
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            count += 1
        }
        return count
    }
}

/// The first row, or an error saying the query returned none.
func requireRow(_ row: Row?) throws -> Row {
    guard let row else { throw LifecycleError("The database returned no row") }
    return row
}
