import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// `portico backup create|list|verify|restore` through the real binary, between two
/// databases of the test cluster and two data folders: the restored deployment must serve the
/// same pages and the same files, and every refusal must leave the target untouched.
@Suite("Backups: create, verify, restore", .serialized)
struct BackupRestoreTests {
    /// What a person sees: signed-in pages with the per-session tokens blanked.
    static func pages(databaseURL: String, dataDirectory: URL, world: LifecycleWorld) async throws -> (pages: [String: String], files: [[UInt8]]) {
        try await TestApp.with(configuration: LifecycleWorld.configuration(dataDirectory), databaseURL: databaseURL) { (app: TestApp) async throws in
            var pages: [String: String] = [:]
            let portal = Browser(app: app, host: world.tenant.host)
            #expect(try await portal.signInCustomer(world.customer.email).status == .seeOther)
            for path in ["/portal", "/portal/work-orders", "/portal/work-orders/1001"] {
                let page = try await portal.get(path)
                #expect(page.status == .ok, "\(path): \(page.status)")
                pages["subscriber " + path] = normalized(page.body)
            }
            let console = Browser(app: app, host: world.tenant.host)
            #expect(try await console.signInStaff(world.admin.email).status == .seeOther)
            for path in ["/admin/work-orders", "/admin/work-orders/1001", "/admin/customers"] {
                let page = try await console.get(path)
                #expect(page.status == .ok, "\(path): \(page.status)")
                pages["staff " + path] = normalized(page.body)
            }
            // The files, downloaded as the subscriber: every attachment link on the order's page, and the logo.
            let detail = try await portal.get("/portal/work-orders/1001")
            var files: [[UInt8]] = []
            for link in Self.attachmentLinks(detail.body) {
                let file = try await portal.get(link)
                #expect(file.status == .ok)
                files.append(file.bytes)
            }
            let logo = try await portal.get("/branding/logo")
            #expect(logo.status == .ok)
            files.append(logo.bytes)
            return (pages, files)
        }
    }

    static func attachmentLinks(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { part in
            let link = String(part.prefix { $0 != "\"" })
            return link.contains("/attachments/") ? link : nil
        }.sorted()
    }

    /// Blanks what differs per session or per request (CSRF tokens, nonces, cache-busting versions).
    static func normalized(_ body: String) -> String {
        body.replacingOccurrences(of: #"(value|content|nonce)="[A-Za-z0-9_\-+/=]{20,}""#, with: "$1=\"…\"", options: .regularExpression)
    }

    static func environment(databaseURL: String, ownerURL: String, dataDirectory: URL) -> [String: String] {
        ["DATABASE_URL": databaseURL, "MIGRATE_DATABASE_URL": ownerURL, "PORTICO_DATA_DIR": dataDirectory.path]
    }

    @Test("a backup restored into a fresh database and data folder serves the same pages and files; verify, list and the refusals hold")
    func roundTrip() async throws {
        let source = try await TestCluster.migratedScratchDatabase(prefix: "backup_src")
        let target = try await TestCluster.scratchDatabase(prefix: "backup_dst")
        let sourceData = try LifecycleSupport.temporaryDirectory("backup-src")
        let targetData = try LifecycleSupport.temporaryDirectory("backup-dst")
        let backups = try LifecycleSupport.temporaryDirectory("backups")
        defer {
            Task {
                await source.drop(); await target.drop()
            }
            for url in [sourceData, targetData, backups] { try? FileManager.default.removeItem(at: url) }
        }
        let sourcePool = ConnectionPool(configuration: PoolConfiguration(conninfo: source.appURL, maxConnections: 2))
        let world = try await LifecycleWorld.seed(pool: sourcePool, databaseURL: source.appURL, dataDirectory: sourceData)
        await sourcePool.close()
        let before = try await Self.pages(databaseURL: source.appURL, dataDirectory: sourceData, world: world)
        #expect(before.files.count == 3)
        #expect(before.files.contains(world.photo) && before.files.contains(world.pdf))

        // create (pruning an old archive, as the systemd timer does), list, verify
        let old = backups.appendingPathComponent("portico-backup-20200101T000000Z.tar")
        try Data("old".utf8).write(to: old)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -400 * 86_400)], ofItemAtPath: old.path)
        let sourceEnvironment = Self.environment(databaseURL: source.appURL, ownerURL: source.ownerURL, dataDirectory: sourceData)
        let created = try await LifecycleSupport.portico(
            ["backup", "create", "--output", backups.path, "--prune"],
            environment: sourceEnvironment.merging(["PORTICO_BACKUP_KEEP": "1"]) { $1 })
        #expect(created.code == 0, "backup create: \(created.output)")
        #expect(created.output.contains("pruned (keep 1, at most 30 days old): portico-backup-20200101T000000Z.tar"), "\(created.output)")
        #expect(!FileManager.default.fileExists(atPath: old.path))
        let archives = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".tar") }
        let name = try #require(archives.first)
        #expect(archives.count == 1)
        #expect(name.hasPrefix("portico-backup-"))
        let archive = backups.appendingPathComponent(name)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: archive.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(created.output.contains(archive.path))

        let listed = try await LifecycleSupport.portico(["backup", "list", "--dir", backups.path], environment: sourceEnvironment)
        #expect(listed.code == 0)
        #expect(listed.output.contains(name))

        let verified = try await LifecycleSupport.portico(["backup", "verify", archive.path], environment: sourceEnvironment)
        #expect(verified.code == 0, "verify: \(verified.output)")
        #expect(verified.output.contains("OK"))
        let manifest = try await BackupVerification.readManifest(archive)
        let known = try DatabaseBootstrap.migrator(logger: TestLogging.logger("migrate")).migrations.last?.version
        #expect(manifest.migrationLevel == known)
        #expect(manifest.fileCount == 3)
        #expect(manifest.tenantCount == 1)

        // The run is recorded for the operator console.
        let sourceApp = ConnectionPool(configuration: PoolConfiguration(conninfo: source.appURL, maxConnections: 1))
        let status = try await BackupStatus.load(pool: sourceApp)
        let metrics = try await BackupMetrics.read(pool: sourceApp)
        await sourceApp.close()
        #expect(status.lastSuccess?.fileName == name)
        #expect(status.lastSuccess?.trigger == "cli")
        #expect(metrics.lastSuccessSizeBytes == (try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int64))
        #expect(metrics.lastAttemptFailed == false)

        // restore into the fresh database and data folder
        let targetEnvironment = Self.environment(databaseURL: target.appURL, ownerURL: target.ownerURL, dataDirectory: targetData)
        let restored = try await LifecycleSupport.portico(["backup", "restore", archive.path], environment: targetEnvironment)
        #expect(restored.code == 0, "restore: \(restored.output)")
        let targetAdmin = try await Self.adminURL(for: target.ownerURL)
        let restoredCounts = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: targetAdmin)
        let sourceCounts = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: try await Self.adminURL(for: source.ownerURL))
        #expect(restoredCounts == sourceCounts)
        #expect(sourceCounts["work_orders"] == 1 && sourceCounts["attachments"] == 2 && (sourceCounts["sessions"] ?? 0) >= 2)
        let after = try await Self.pages(databaseURL: target.appURL, dataDirectory: targetData, world: world)
        #expect(after.pages.keys.sorted() == before.pages.keys.sorted())
        for (page, body) in before.pages {
            #expect(after.pages[page] == body, "\(page) differs after the restore")
        }
        #expect(after.files == before.files)
        #expect(after.pages["staff /admin/work-orders"]?.contains("Dish down \(world.marker)") == true)

        // A second restore into the now non-empty database is refused and changes nothing.
        let counts = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: targetAdmin)
        let again = try await LifecycleSupport.portico(["backup", "restore", archive.path], environment: targetEnvironment)
        #expect(again.code != 0)
        #expect(again.output.contains("is not empty"), "\(again.output)")
        #expect(again.output.contains("--force"))
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: targetAdmin) == counts)

        // --force replaces it: the database is restored again, the old files moved aside.
        let forced = try await LifecycleSupport.portico(["backup", "restore", "--force", archive.path], environment: targetEnvironment)
        #expect(forced.code == 0, "restore --force: \(forced.output)")
        #expect(forced.output.contains("files.before-restore-"))
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: targetAdmin) == restoredCounts)
        #expect(try await Self.pages(databaseURL: target.appURL, dataDirectory: targetData, world: world).files == before.files)
    }

    /// The superuser's URL for the database an owner URL points at.
    static func adminURL(for ownerURL: String) async throws -> String {
        let database = try await TestCluster.database()
        let name = try #require(URLComponents(string: ownerURL)?.path.dropFirst())
        return database.adminURL(database: String(name))
    }

    @Test("verify finds a damaged archive; restore refuses it and a backup from a newer schema, and the database stays empty")
    func damagedAndNewerBackupsAreRefused() async throws {
        let source = try await TestCluster.migratedScratchDatabase(prefix: "backup_bad_src")
        let target = try await TestCluster.scratchDatabase(prefix: "backup_bad_dst")
        let sourceData = try LifecycleSupport.temporaryDirectory("backup-bad-src")
        let targetData = try LifecycleSupport.temporaryDirectory("backup-bad-dst")
        let backups = try LifecycleSupport.temporaryDirectory("backups-bad")
        defer {
            Task {
                await source.drop(); await target.drop()
            }
            for url in [sourceData, targetData, backups] { try? FileManager.default.removeItem(at: url) }
        }
        let sourcePool = ConnectionPool(configuration: PoolConfiguration(conninfo: source.appURL, maxConnections: 2))
        _ = try await LifecycleWorld.seed(pool: sourcePool, databaseURL: source.appURL, dataDirectory: sourceData)
        await sourcePool.close()
        let created = try await Backups(ownerURL: source.ownerURL, dataDirectory: sourceData, logger: TestLogging.logger("backup"))
            .create(in: backups, trigger: .cli)
        #expect(try await BackupVerification.check(created.file).isValid)

        // One flipped byte inside the dump.
        var bytes = try Data(contentsOf: created.file)
        let dumpStart = try #require(bytes.range(of: Data("PGDMP".utf8))?.lowerBound)
        bytes[dumpStart + 2_000] ^= 0xFF
        let damaged = backups.appendingPathComponent("damaged.tar")
        try bytes.write(to: damaged)
        let targetEnvironment = Self.environment(databaseURL: target.appURL, ownerURL: target.ownerURL, dataDirectory: targetData)
        let verify = try await LifecycleSupport.portico(["backup", "verify", damaged.path], environment: targetEnvironment)
        #expect(verify.code == 1)
        #expect(verify.output.contains("NOT a sound backup"))
        #expect(verify.output.contains("database.dump does not match its SHA-256"), "\(verify.output)")
        let restoreDamaged = try await LifecycleSupport.portico(["backup", "restore", damaged.path], environment: targetEnvironment)
        #expect(restoreDamaged.code != 0)
        #expect(restoreDamaged.output.contains("does not verify, nothing was restored"), "\(restoreDamaged.output)")

        // A cut-short archive.
        let truncated = backups.appendingPathComponent("truncated.tar")
        try Data(contentsOf: created.file).prefix(dumpStart + 4_000).write(to: truncated)
        let cut = try await BackupVerification.check(truncated)
        #expect(!cut.isValid)
        #expect(!cut.problems.isEmpty)

        // The same backup with a manifest from a newer schema.
        let unpacked = try await LifecycleSupport.unpack(created.file)
        defer { try? FileManager.default.removeItem(at: unpacked) }
        let manifestURL = unpacked.appendingPathComponent("manifest.json")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        manifest["migration_level"] = 9_999
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let newer = backups.appendingPathComponent("newer.tar")
        let tar = try await TestProcess.run([
            "/usr/bin/tar", "--create", "--file", newer.path, "--directory", unpacked.path, "manifest.json", "database.dump", "files",
        ])
        #expect(tar.exitCode == 0, "\(tar.output)")
        let restoreNewer = try await LifecycleSupport.portico(["backup", "restore", newer.path], environment: targetEnvironment)
        #expect(restoreNewer.code != 0)
        #expect(restoreNewer.output.contains("schema is newer than this portico"), "\(restoreNewer.output)")
        #expect(restoreNewer.output.contains("migration level 9999"))

        // Nothing reached the target.
        let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: try await Self.adminURL(for: target.ownerURL), maxConnections: 1))
        let objects = try await admin.query("SELECT count(*)::int FROM pg_class WHERE relnamespace = 'public'::regnamespace").rows.first?.decode(
            at: 0, as: Int.self)
        await admin.close()
        #expect(objects == 0)
        #expect(LifecycleSupport.files(under: targetData).isEmpty)
    }

    @Test("without the owner's URL, backup commands say which variable to set")
    func ownerRequired() async throws {
        let source = try await TestCluster.migratedScratchDatabase(prefix: "backup_noowner")
        let data = try LifecycleSupport.temporaryDirectory("backup-noowner")
        defer {
            Task { await source.drop() }
            try? FileManager.default.removeItem(at: data)
        }
        let result = try await LifecycleSupport.portico(
            ["backup", "create", "--output", data.path],
            environment: ["DATABASE_URL": source.appURL, "PORTICO_DATA_DIR": data.path])
        #expect(result.code == 78)
        #expect(result.output.contains("MIGRATE_DATABASE_URL"))
        #expect(LifecycleSupport.files(under: data).isEmpty)
    }
}
