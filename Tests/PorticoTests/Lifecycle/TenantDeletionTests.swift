import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// `portico tenant delete` through the real binary: only a suspended tenant, only with its
/// slug typed again, and afterwards no row in any tenant table and no file of it anywhere —
/// while the tenant next door keeps everything.
@Suite("Tenant deletion")
struct TenantDeletionTests {
    static func environment() async throws -> [String: String] {
        let database = try await TestCluster.database()
        return ["DATABASE_URL": database.appURL, "PORTICO_DATA_DIR": TestApp.configuration().dataDirectory.path]
    }

    static func adminURL() async throws -> String {
        let database = try await TestCluster.database()
        return database.adminURL(database: database.handle.credentials.database)
    }

    static func tenantFolders(_ tenant: TestTenant) -> [URL] {
        let data = TestApp.configuration().dataDirectory
        return [
            data.appendingPathComponent("files").appendingPathComponent(tenant.id.description),
            data.appendingPathComponent("imports").appendingPathComponent(tenant.id.description),
        ]
    }

    @Test("an active tenant and a wrong confirmation are refused; a suspended tenant with its slug typed goes entirely; its neighbour stays")
    func deleteThroughTheCLI() async throws {
        let world = try await LifecycleWorld.seed()
        let neighbour = try await LifecycleWorld.seed()
        let environment = try await Self.environment()
        let adminURL = try await Self.adminURL()
        let before = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL)
        let neighbourBefore = try await LifecycleSupport.rowCounts(tenant: neighbour.tenant.id, adminURL: adminURL)
        #expect(before.values.reduce(0, +) > 10)
        #expect(!LifecycleSupport.files(under: Self.tenantFolders(world.tenant)[0]).isEmpty)

        // Active: refused, with the way forward.
        let active = try await LifecycleSupport.portico(
            ["tenant", "delete", world.tenant.slug, "--confirm", world.tenant.slug], environment: environment)
        #expect(active.code == 1)
        #expect(active.output.contains("is active. Suspend it first"), "\(active.output)")
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL) == before)

        let suspended = try await LifecycleSupport.portico(["tenant", "suspend", world.tenant.slug], environment: environment)
        #expect(suspended.code == 0, "\(suspended.output)")

        // No confirmation and no terminal to ask in; then a wrong one.
        let unconfirmed = try await LifecycleSupport.portico(["tenant", "delete", world.tenant.slug], environment: environment)
        #expect(unconfirmed.code != 0)
        #expect(unconfirmed.output.contains("--confirm \(world.tenant.slug)"), "\(unconfirmed.output)")
        let wrong = try await LifecycleSupport.portico(
            ["tenant", "delete", world.tenant.slug, "--confirm", neighbour.tenant.slug], environment: environment)
        #expect(wrong.code == 1)
        #expect(wrong.output.contains("confirmation does not match"), "\(wrong.output)")
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL) == before)

        // Confirmed: every row and file goes.
        let deleted = try await LifecycleSupport.portico(
            ["tenant", "delete", world.tenant.slug, "--confirm", world.tenant.slug], environment: environment)
        #expect(deleted.code == 0, "\(deleted.output)")
        #expect(deleted.output.contains("Deleted \(world.tenant.slug): \(before.values.reduce(0, +) + 1) rows"), "\(deleted.output)")
        let after = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: adminURL)
        #expect(after.keys.sorted() == before.keys.sorted())
        for (table, count) in after { #expect(count == 0, "\(table) keeps \(count) rows of the deleted tenant") }
        let database = try await TestCluster.database()
        #expect(try await PostgresTenantStore(pool: database.appPool).tenant(slug: world.tenant.slug) == nil)
        for folder in Self.tenantFolders(world.tenant) { #expect(!FileManager.default.fileExists(atPath: folder.path), "\(folder.path) remains") }

        // Audited at platform level, beyond the tenant's own (now deleted) log.
        let audit = try await database.appPool.query(
            """
            SELECT actor_kind, details->>'tenant_id' AS tenant FROM platform_audit_events
             WHERE action = 'tenant.deleted' AND target_kind = 'tenant' AND target_id = \(world.tenant.slug)
            """
        ).rows
        #expect(audit.count == 1)
        #expect(try audit.first?.decode("actor_kind", as: String.self) == "cli")
        #expect(try audit.first?.decode("tenant", as: String.self) == world.tenant.id.description)

        // The neighbour keeps every row and file.
        #expect(try await LifecycleSupport.rowCounts(tenant: neighbour.tenant.id, adminURL: adminURL) == neighbourBefore)
        #expect(LifecycleSupport.files(under: Self.tenantFolders(neighbour.tenant)[0]).count == 3)
    }

    @Test("at a terminal without --confirm, the slug is asked for: a wrong answer deletes nothing, the right one deletes")
    func terminalPrompt() async throws {
        let world = try await LifecycleWorld.seed()
        let environment = try await Self.environment()
        #expect(try await LifecycleSupport.portico(["tenant", "suspend", world.tenant.slug], environment: environment).code == 0)
        // util-linux `script` gives the command a pseudo-terminal; the answer comes from printf.
        func answer(_ text: String) async throws -> (exitCode: Int32, output: String) {
            let variables = (environment.merging(["PORTICO_HOME": LifecycleSupport.repositoryRoot.path, "LOG_LEVEL": "error"]) { $1 })
                .map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
            let command = "\(try LifecycleSupport.binary()) tenant delete \(world.tenant.slug)"
            return try await TestProcess.run(
                ["/bin/sh", "-c", "printf '%s\\n' '\(text)' | env \(variables) /usr/bin/script -q -e -c '\(command)' /dev/null"],
                timeout: .seconds(120))
        }
        let wrong = try await answer("not-the-slug")
        #expect(wrong.exitCode == 1)
        #expect(wrong.output.contains("Type the slug to confirm"))
        #expect(wrong.output.contains("confirmation does not match"))
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: try await Self.adminURL())["work_orders"] == 1)

        let right = try await answer(world.tenant.slug)
        #expect(right.exitCode == 0, "\(right.output)")
        #expect(right.output.contains("Deleted \(world.tenant.slug)"))
        #expect(try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: try await Self.adminURL()).values.allSatisfy { $0 == 0 })
    }

    @Test("deleting an unknown tenant names the slug; the purge function refuses an active tenant even when called directly")
    func refusals() async throws {
        let world = try await LifecycleWorld.seed()
        let environment = try await Self.environment()
        let unknown = try await LifecycleSupport.portico(
            ["tenant", "delete", "no-such-tenant", "--confirm", "no-such-tenant"], environment: environment)
        #expect(unknown.code == 1)
        #expect(unknown.output.contains("No tenant has the slug 'no-such-tenant'"))

        // The application role may call the purge, but it holds its own line: suspended only.
        let database = try await TestCluster.database()
        let error = await #expect(throws: PostgresError.self) {
            try await database.appPool.query("SELECT * FROM portico_purge_tenant(\(world.tenant.id))")
        }
        #expect(error?.sqlState?.rawValue == "55000")
        let counts = try await LifecycleSupport.rowCounts(tenant: world.tenant.id, adminURL: try await Self.adminURL())
        #expect(counts["work_orders"] == 1)
    }
}
