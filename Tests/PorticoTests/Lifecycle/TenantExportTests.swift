import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// `portico tenant export` through the real binary, on the shared test database where many
/// tenants live: the archive holds exactly this tenant's rows and files and nothing of anyone else.
@Suite("Tenant export")
struct TenantExportTests {
    static func environment() async throws -> [String: String] {
        let database = try await TestCluster.database()
        return ["DATABASE_URL": database.appURL, "PORTICO_DATA_DIR": TestApp.configuration().dataDirectory.path]
    }

    @Test("the export holds every row of every tenant table of the tenant, its files, CSVs and a README — and no trace of another tenant")
    func exactlyTheTenantsData() async throws {
        let world = try await LifecycleWorld.seed()
        let other = try await LifecycleWorld.seed()
        // Domains are readable across tenants (host lookup happens before any tenant is known):
        // the export must still hold only its own.
        for seeded in [world, other] {
            try await seeded.tenant.transaction { tx in
                try await tx.execute(
                    """
                    INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token)
                    VALUES (\(seeded.tenant.id), \("portal.\(seeded.marker).example.net"), 'custom', 'token')
                    """)
            }
        }
        let folder = try LifecycleSupport.temporaryDirectory("export")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("\(world.tenant.slug).tar.gz")

        let result = try await LifecycleSupport.portico(
            ["tenant", "export", world.tenant.slug, "--output", output.path],
            environment: try await Self.environment())
        #expect(result.code == 0, "tenant export: \(result.output)")
        #expect(result.output.contains("Exported \(world.tenant.slug)"))
        #expect(try FileManager.default.attributesOfItem(atPath: output.path)[.posixPermissions] as? Int == 0o600)
        let root = try await LifecycleSupport.unpack(output)
        defer { try? FileManager.default.removeItem(at: root) }
        let files = LifecycleSupport.files(under: root)

        // Counts per table match the database, table by table, for every tenant table of the catalog.
        let database = try await TestCluster.database()
        let truth = try await LifecycleSupport.rowCounts(
            tenant: world.tenant.id, adminURL: database.adminURL(database: database.handle.credentials.database))
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["format"] as? String == "portico-tenant-export")
        #expect(manifest["format_version"] as? Int == 1)
        let tables = try #require(manifest["tables"] as? [[String: Any]])
        var exported: [String: Int] = [:]
        for table in tables {
            let name = try #require(table["table"] as? String)
            let lines = try String(contentsOf: root.appendingPathComponent("data/\(name).jsonl"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count == table["rows"] as? Int, "\(name): manifest and file disagree")
            for line in lines {
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect((row[name == "tenants" ? "id" : "tenant_id"] as? String) == world.tenant.id.description, "\(name): a row of another tenant")
            }
            exported[name] = lines.count
        }
        #expect(exported["tenants"] == 1)
        for (table, count) in truth {
            #expect(exported[table] == count, "\(table): exported \(exported[table] ?? -1) rows, the database holds \(count)")
        }
        #expect(Set(exported.keys) == Set(truth.keys).union(["tenants"]))
        #expect(truth["work_orders"] == 1 && truth["attachments"] == 2 && truth["customers"] == 1 && truth["staff_users"] == 1)

        // The spreadsheet files and the README.
        for csv in ["organizations", "customers", "work-orders", "work-order-history", "appointments"] {
            #expect(files.contains("csv/\(csv).csv"))
        }
        let customersCSV = try String(contentsOf: root.appendingPathComponent("csv/customers.csv"), encoding: .utf8)
        #expect(customersCSV.hasPrefix("account_number,"))
        #expect(customersCSV.contains("pat-\(world.marker)@example.net"))
        #expect(try String(contentsOf: root.appendingPathComponent("csv/work-orders.csv"), encoding: .utf8).contains("Dish down \(world.marker)"))
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("format_version` 1"))
        #expect(readme.contains("data/work_orders.jsonl"))

        // Every file the tenant stored: the two attachments and the logo, byte for byte.
        let stored = files.filter { $0.hasPrefix("files/") }
        #expect(stored.count == 3)
        let contents = try stored.map { try [UInt8](Data(contentsOf: root.appendingPathComponent($0))) }
        #expect(contents.contains(world.photo) && contents.contains(world.pdf))

        // Nothing of the other tenant anywhere (its marker is in its name, people and orders),
        // and no credential material.
        for file in files {
            let data = try Data(contentsOf: root.appendingPathComponent(file))
            #expect(data.range(of: Data(other.marker.utf8)) == nil, "\(file) mentions the other tenant")
            #expect(data.range(of: Data(other.tenant.id.description.utf8)) == nil, "\(file) holds the other tenant's id")
            #expect(data.range(of: Data("$argon2id$".utf8)) == nil, "\(file) holds a password hash")
            if file.hasPrefix("data/") {
                #expect(data.range(of: Data("\"password_hash\"".utf8)) == nil, "\(file) has a password_hash column")
                #expect(data.range(of: Data("\"totp_secret\"".utf8)) == nil, "\(file) has a totp_secret column")
            }
        }
        let customers = try #require(tables.first { $0["table"] as? String == "customers" })
        #expect((customers["omitted_columns"] as? [String]) == ["password_hash", "unsubscribe_key"])
        #expect((customers["columns"] as? [String])?.contains("email") == true)
        #expect(try String(contentsOf: root.appendingPathComponent("data/organizations.jsonl"), encoding: .utf8).contains(world.marker))
        #expect(
            try String(contentsOf: root.appendingPathComponent("data/tenant_domains.jsonl"), encoding: .utf8).contains(
                "portal.\(world.marker).example.net"))
        #expect(exported["tenant_domains"] == 1)

        // Audited at platform level.
        let audited = try await database.appPool.query(
            """
            SELECT count(*)::int FROM platform_audit_events WHERE action = 'tenant.exported' AND target_id = \(world.tenant.slug) AND actor_kind = 'cli'
            """
        ).rows.first?.decode(at: 0, as: Int.self)
        #expect(audited == 1)
    }

    @Test("an unknown slug or an existing output file is refused with a clear message and writes nothing")
    func refusals() async throws {
        let world = try await LifecycleWorld.seed()
        let folder = try LifecycleSupport.temporaryDirectory("export-refused")
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = try await Self.environment()

        let unknown = try await LifecycleSupport.portico(
            ["tenant", "export", "no-such-tenant", "--output", folder.appendingPathComponent("x.tar.gz").path],
            environment: environment)
        #expect(unknown.code == 1)
        #expect(unknown.output.contains("No tenant has the slug 'no-such-tenant'"))

        let existing = folder.appendingPathComponent("exists.tar.gz")
        try Data("keep me".utf8).write(to: existing)
        let clash = try await LifecycleSupport.portico(["tenant", "export", world.tenant.slug, "--output", existing.path], environment: environment)
        #expect(clash.code == 1)
        #expect(clash.output.contains("already exists"))
        #expect(try String(contentsOf: existing, encoding: .utf8) == "keep me")
        #expect(LifecycleSupport.files(under: folder) == ["exists.tar.gz"])
    }
}
