import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The operator console's data page: the export as a download (operators only), deletion with
/// a typed confirmation after suspension, and the backups panel.
@Suite("Operator console: tenant data and backups")
struct OperatorDataConsoleTests {
    @Test("an operator downloads a tenant's export; staff and subscribers of that tenant get nothing")
    func exportDownloadIsOperatorOnly() async throws {
        let world = try await LifecycleWorld.seed()
        try await TestApp.with { (app: TestApp) async throws in
            let (operatorBrowser, email) = try await OperatorFixture.signedIn(app)
            let tenants = try await operatorBrowser.get("/operator")
            #expect(tenants.body.contains("/operator/tenants/\(world.tenant.slug)/data"))
            let page = try await operatorBrowser.get("/operator/tenants/\(world.tenant.slug)/data")
            #expect(page.status == .ok)
            #expect(page.body.contains("Download the export"))
            #expect(page.body.contains("Only a suspended tenant can be deleted"))

            let download = try await operatorBrowser.post("/operator/tenants/\(world.tenant.slug)/export")
            #expect(download.status == .ok)
            #expect(download.header("Content-Type") == "application/gzip")
            #expect(download.header("Content-Disposition")?.hasPrefix("attachment; filename=\"\(world.tenant.slug)-export-") == true)
            #expect(download.header("Cache-Control") == "no-store")
            let folder = try LifecycleSupport.temporaryDirectory("console-export")
            defer { try? FileManager.default.removeItem(at: folder) }
            let archive = folder.appendingPathComponent("export.tar.gz")
            try Data(download.bytes).write(to: archive)
            let root = try await LifecycleSupport.unpack(archive)
            defer { try? FileManager.default.removeItem(at: root) }
            let files = LifecycleSupport.files(under: root)
            #expect(files.contains("manifest.json") && files.contains("README.md") && files.contains("data/work_orders.jsonl"))
            #expect(files.filter { $0.hasPrefix("files/") }.count == 3)
            let database = try await TestCluster.database()
            let audited = try await database.appPool.query(
                """
                SELECT actor_label FROM platform_audit_events WHERE action = 'tenant.exported' AND target_id = \(world.tenant.slug) AND actor_kind = 'operator'
                """
            ).rows.map { try $0.decode("actor_label", as: String.self) }
            #expect(audited == [email])
            #expect(try await operatorBrowser.get("/operator/tenants/\(world.tenant.slug)/data").body.contains("tenant.exported"))

            // An unknown tenant: the same 404 as any missing page.
            #expect(try await operatorBrowser.post("/operator/tenants/no-such-tenant/export").status == .notFound)
            #expect(try await operatorBrowser.get("/operator/tenants/no-such-tenant/data").status == .notFound)

            // The tenant's own admin and subscriber: the routes do not exist on the tenant host,
            // and their session cookies mean nothing on the operator host.
            let staff = Browser(app: app, host: world.tenant.host)
            try await staff.signInStaff(world.admin.email)
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            for browser in [staff, subscriber] {
                try await browser.get("/portal")
                let onTenantHost = try await browser.post("/operator/tenants/\(world.tenant.slug)/export")
                #expect(onTenantHost.status == .notFound)
                #expect(onTenantHost.header("Content-Type")?.hasPrefix("application/gzip") != true)
                let carried = Browser(app: app, host: "operator.localhost")
                carried.setCookie("portico_session", browser.cookie("portico_session"))
                carried.setCookie("portico_operator", browser.cookie("portico_session"))
                let onOperatorHost = try await carried.get("/operator/tenants/\(world.tenant.slug)/data")
                #expect(onOperatorHost.status == .seeOther)
                #expect(onOperatorHost.header("Location")?.hasPrefix("/operator/login") == true)
                try await carried.get("/operator/login")
                let post = try await carried.post("/operator/tenants/\(world.tenant.slug)/export")
                #expect(post.status != .ok)
                #expect(post.header("Content-Type")?.hasPrefix("application/gzip") != true)
            }
            // Nobody but the operator exported.
            let count = try await database.appPool.query("SELECT count(*)::int FROM platform_audit_events WHERE target_id = \(world.tenant.slug)")
                .rows.first?.decode(at: 0, as: Int.self)
            #expect(count == 1)
        }
    }

    @Test("deleting from the console: refused while active and with a wrong slug (nothing changes), done after suspension with the slug typed")
    func deleteFromTheConsole() async throws {
        let world = try await LifecycleWorld.seed()
        let adminURL = try await TenantDeletionTests.adminURL()
        let before = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL)
        try await TestApp.with { (app: TestApp) async throws in
            let (browser, email) = try await OperatorFixture.signedIn(app)
            try await browser.get("/operator/tenants/\(world.tenant.slug)/data")
            let active = try await browser.post("/operator/tenants/\(world.tenant.slug)/delete", ["confirm": world.tenant.slug])
            #expect(active.status == .conflict)
            #expect(active.body.contains("Suspend it first"))
            #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL) == before)

            try await browser.get("/operator")
            #expect(try await browser.post("/operator/tenants/\(world.tenant.slug)/suspend").status == .ok)
            let page = try await browser.get("/operator/tenants/\(world.tenant.slug)/data")
            #expect(page.body.contains("Type the slug"))
            let suspended = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL)
            let wrong = try await browser.post("/operator/tenants/\(world.tenant.slug)/delete", ["confirm": "not-it"])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.body.contains("confirmation does not match"))
            #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL) == suspended)

            let deleted = try await browser.post("/operator/tenants/\(world.tenant.slug)/delete", ["confirm": world.tenant.slug])
            #expect(deleted.status == .ok)
            #expect(deleted.body.contains("Deleted \(world.tenant.slug)"))
            let after = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL)
            #expect(after.values.allSatisfy { $0 == 0 }, "\(after.filter { $0.value != 0 })")
            for folder in TenantDeletionTests.tenantFolders(world.tenant) { #expect(!FileManager.default.fileExists(atPath: folder.path)) }
            let database = try await TestCluster.database()
            let audited = try await database.appPool.query(
                """
                SELECT actor_label FROM platform_audit_events WHERE action = 'tenant.deleted' AND target_id = \(world.tenant.slug) AND actor_kind = 'operator'
                """
            ).rows.map { try $0.decode("actor_label", as: String.self) }
            #expect(audited == [email])
            // The portal is gone: its host no longer names a tenant.
            try await eventually(timeout: .seconds(10)) { try await app.get("/portal/login", host: world.tenant.host).status == .notFound }
        }
    }

    @Test("the backups panel shows the schedule, the last success with its size and the last failure with its error")
    func backupsPanel() async throws {
        // Runs as `backup create` records them (as the owner, which takes backups).
        let database = try await TestCluster.database()
        let stamp = UUID().uuidString.prefix(8).lowercased()
        let owner = ConnectionPool(configuration: PoolConfiguration(conninfo: database.ownerURL, maxConnections: 1))
        try await owner.query(
            """
            INSERT INTO backup_runs (trigger, status, started_at, finished_at, file_name, size_bytes, migration_level)
            VALUES ('schedule', 'succeeded', now() - interval '2 minutes', now() - interval '1 minute', \("portico-backup-\(stamp).tar"), 52428800, 32)
            """)
        try await owner.query(
            """
            INSERT INTO backup_runs (trigger, status, started_at, finished_at, error)
            VALUES ('cli', 'failed', now(), now(), \("pg_dump failed: disk full \(stamp)"))
            """)
        await owner.close()
        try await TestApp.with { (app: TestApp) async throws in
            let (browser, _) = try await OperatorFixture.signedIn(app)
            let panel = try await browser.get("/operator/backups")
            #expect(panel.status == .ok)
            #expect(panel.body.contains("<h1>Backups</h1>"))
            #expect(panel.body.contains("off (set PORTICO_BACKUP_SCHEDULE and PORTICO_BACKUP_DIR)"))
            #expect(panel.body.contains("portico-backup-\(stamp).tar"))
            #expect(panel.body.contains("52.4 MB") || panel.body.contains("52,4 MB"), "the size of the last success")
            #expect(panel.body.contains("pg_dump failed: disk full \(stamp)"))
            #expect(try await Browser(app: app, host: "operator.localhost").get("/operator/backups").status == .seeOther)
        }
    }
}
