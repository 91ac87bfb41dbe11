import Foundation
import Logging
import Postgres

/// `portico backup …` as functions returning what to print, so tests can call them.
///
/// Backups talk to the database as the schema owner and never migrate first: a backup
/// taken before an upgrade must hold the schema as it was, and a restore needs an empty database.
public enum BackupCommands {
    /// Runs `body` with the owner's connection string, starting (and afterwards stopping) the
    /// embedded cluster when no `DATABASE_URL` is set.
    static func withOwner<T: Sendable>(_ configuration: AppConfiguration, _ body: (String, Logger) async throws -> T) async throws -> T {
        let logger = makeLogger(label: "portico", level: configuration.logLevel == .info ? .warning : configuration.logLevel)
        let endpoints = try await DatabaseBootstrap.endpoints(for: configuration, logger: logger)
        do {
            guard let ownerURL = endpoints.ownerURL else {
                throw ConfigurationError(
                    variable: "MIGRATE_DATABASE_URL",
                    message: "must point at the schema owner for backups: pg_dump and pg_restore run as the owner")
            }
            let result = try await body(ownerURL, logger)
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
            return result
        } catch {
            if endpoints.embeddedStartedHere { try? await endpoints.embedded?.stop() }
            throw error
        }
    }

    /// `--output`/`--dir`, else `PORTICO_BACKUP_DIR`, else `<data dir>/backups`.
    public static func directory(_ given: String?, configuration: AppConfiguration) -> URL {
        if let given { return URL(fileURLWithPath: given) }
        return configuration.backup.directory ?? configuration.dataDirectory.appendingPathComponent("backups", isDirectory: true)
    }

    /// With `prune`, the folder is then pruned like the schedule does (`PORTICO_BACKUP_KEEP`,
    /// `PORTICO_BACKUP_MAX_AGE_DAYS`): for a systemd timer or cron job.
    public static func create(configuration: AppConfiguration, output: String?, prune: Bool = false) async throws -> String {
        let directory = directory(output, configuration: configuration)
        let created = try await withOwner(configuration) { ownerURL, logger in
            try await Backups(ownerURL: ownerURL, dataDirectory: configuration.dataDirectory, logger: logger).create(in: directory, trigger: .cli)
        }
        var text = """
            Backup written: \(created.file.path)
              \(ByteCountFormatter.string(fromByteCount: created.size, countStyle: .file)), migration level \(created.manifest.migrationLevel), \
            \(created.manifest.tenantCount) tenant(s), \(created.manifest.fileCount) uploaded file(s)
              check it with: portico backup verify \(created.file.path)
            """
        if prune {
            let (keep, maxAge) = (configuration.backup.keep, configuration.backup.maxAgeDays)
            let removed = try await offThread { try BackupRetention.prune(directory, keep: keep, maxAgeDays: maxAge) }
            text +=
                "\n  pruned (keep \(keep), at most \(maxAge) days old): " + (removed.isEmpty ? "nothing to remove" : removed.joined(separator: ", "))
        }
        return text
    }

    public static func list(configuration: AppConfiguration, directory given: String?) async throws -> String {
        let directory = directory(given, configuration: configuration)
        let archives = try await offThread { BackupRetention.archives(in: directory) }
        guard !archives.isEmpty else { return "No backups in \(directory.path). Take one with: portico backup create" }
        var lines = ["FILE  CREATED (UTC)  SIZE  MIGRATION  TENANTS  FILES"]
        for archive in archives {
            if let manifest = try? await BackupVerification.readManifest(archive.file) {
                lines.append(
                    [
                        archive.file.lastPathComponent, DateFormats.iso.format(manifest.createdAt),
                        ByteCountFormatter.string(fromByteCount: archive.size, countStyle: .file), "\(manifest.migrationLevel)",
                        "\(manifest.tenantCount)", "\(manifest.fileCount)",
                    ].joined(separator: "  "))
            } else {
                lines.append("\(archive.file.lastPathComponent)  (no readable manifest: damaged or not a Portico backup)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The report, and whether the backup is sound.
    public static func verify(file: String) async throws -> (ok: Bool, report: String) {
        let verification = try await BackupVerification.check(URL(fileURLWithPath: file))
        guard verification.isValid, let manifest = verification.manifest else {
            return (false, (["\(file): NOT a sound backup"] + verification.problems.map { "  - \($0)" }).joined(separator: "\n"))
        }
        return (
            true,
            """
            \(file): OK
              created \(DateFormats.iso.format(manifest.createdAt)) by portico \(manifest.porticoVersion), migration level \(manifest.migrationLevel)
              \(manifest.entries.count) members checked (database dump and \(manifest.fileCount) file(s), \
            \(ByteCountFormatter.string(fromByteCount: manifest.totalBytes, countStyle: .file))); pg_restore reads the dump
            """
        )
    }

    public static func restore(configuration: AppConfiguration, file: String, force: Bool) async throws -> String {
        let known = try DatabaseBootstrap.migrator(logger: Logger(label: "portico.migrate")).migrations.last?.version ?? 0
        let restored = try await withOwner(configuration) { ownerURL, logger in
            try await Backups(ownerURL: ownerURL, dataDirectory: configuration.dataDirectory, logger: logger)
                .restore(URL(fileURLWithPath: file), force: force, knownMigrationLevel: known)
        }
        var lines = ["Restored \(file): database at migration level \(restored.manifest.migrationLevel), \(restored.files) uploaded file(s)."]
        if let previous = restored.previousFiles { lines.append("  The files that were there before are in \(previous.path).") }
        if restored.manifest.migrationLevel < known {
            lines.append(
                "  This portico knows newer migrations (up to \(known)): `portico migrate up` (or `serve` with the owner's URL) applies them.")
        }
        return lines.joined(separator: "\n")
    }
}

extension TenantCommands {
    /// `portico tenant export SLUG --output FILE`.
    public static func export(slug: String, output: String, environment: CommandEnvironment) async throws -> String {
        guard let tenant = try await PostgresTenantStore(pool: environment.pool).tenant(slug: slug) else {
            throw AppError(.notFound, code: "tenant_not_found", "No tenant has the slug '\(slug)'. `portico tenant list` shows them.")
        }
        let file = URL(fileURLWithPath: output)
        let manifest = try await TenantExport(pool: environment.pool, blobStore: environment.blobStore).write(tenant, to: file)
        try await environment.pool.withConnection { connection in
            try await PlatformAuditEvent(
                actorKind: .cli, actorLabel: PlatformAuditEvent.cliActorLabel, action: "tenant.exported",
                targetKind: "tenant", targetId: tenant.slug,
                details: [
                    "file": file.lastPathComponent, "rows": "\(manifest.tables.reduce(0) { $0 + $1.rows })",
                    "files": "\(manifest.files.count)",
                ]
            ).record(on: connection)
        }
        return """
            Exported \(tenant.slug) to \(file.path)
              \(manifest.tables.reduce(0) { $0 + $1.rows }) rows in \(manifest.tables.count) tables, \(manifest.files.count) file(s); \
            spreadsheets under csv/, the format in README.md
            """
    }

    /// `portico tenant delete SLUG --confirm SLUG`.
    public static func delete(slug: String, confirmation: String, environment: CommandEnvironment) async throws -> String {
        let actor = PlatformAuditEvent(actorKind: .cli, actorLabel: PlatformAuditEvent.cliActorLabel, action: "tenant.deleted")
        let report = try await TenantDeletion(
            pool: environment.pool, blobStore: environment.blobStore,
            dataDirectory: environment.configuration.dataDirectory
        )
        .delete(slug: slug, confirmation: confirmation, actor: actor)
        let busiest = report.rowsByTable.filter { $0.rows > 0 }.sorted { $0.rows > $1.rows }.prefix(5).map { "\($0.table) \($0.rows)" }
        return """
            Deleted \(report.slug): \(report.totalRows) rows in \(report.rowsByTable.count) tables (\(busiest.joined(separator: ", "))), \(report.files) file(s).
              Recorded in the platform audit log (platform_audit_events).
            """
    }
}

extension CommandEnvironment {
    /// The file store `serve` uses: `PORTICO_DATA_DIR/files`.
    var blobStore: any BlobStore { FileBlobStore(root: configuration.dataDirectory.appendingPathComponent("files")) }
}
