import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// A tenant with real data made through the real routes: an admin, a subscriber who signed in
/// and submitted a work order with a photo and a PDF, and an uploaded logo. `marker` is in
/// the tenant's name, the subscriber's name and email and the work order's title, so an
/// archive can be searched for it.
struct LifecycleWorld: Sendable {
    let tenant: TestTenant
    let admin: StaffUser
    let customer: Customer
    let marker: String
    let photo: [UInt8]
    let pdf: [UInt8]

    static func seed(
        marker: String = "mk" + UUID().uuidString.prefix(10).lowercased(), pool: ConnectionPool? = nil,
        databaseURL: String? = nil, dataDirectory: URL? = nil
    ) async throws -> LifecycleWorld {
        let tenant = try await TestTenant.create(name: "Wisp \(marker)", pool: pool)
        let admin = try await tenant.staff(role: .admin, email: "admin-\(marker)@staff.example", name: "Admin \(marker)")
        let (_, customer) = try await tenant.signInableSubscriber(name: "Pat \(marker)", email: "pat-\(marker)@example.net")
        let photo = SampleFile.png(size: 30_000)
        let pdf = SampleFile.pdf(body: "1 0 obj << /Title (\(marker)) >> endobj")
        try await TestApp.with(configuration: LifecycleWorld.configuration(dataDirectory), databaseURL: databaseURL) { (app: TestApp) async throws in
            let portal = Browser(app: app, host: tenant.host)
            try await portal.signInCustomer(customer.email)
            try await portal.get("/portal/work-orders/new")
            let submitted = try await portal.postForm(
                "/portal/work-orders",
                fields: [
                    ("title", "Dish down \(marker)"), ("description", "Photos attached."), ("priority", "high"), ("quantity", "1"),
                    ("service_location", "1 Test Lane"), ("action", "submit"),
                ], files: [("attachments", "dish.png", photo), ("attachments", "quote.pdf", pdf)])
            #expect(submitted.status == .seeOther, "submitting the work order: \(submitted.status)")

            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/branding")
            let logo = try await console.upload(
                "/admin/branding/logo", fileName: "logo.png", contentType: "image/png", file: SampleFile.png(size: 2_000))
            #expect(logo.status == .seeOther, "uploading the logo: \(logo.status)")
        }
        return LifecycleWorld(tenant: tenant, admin: admin, customer: customer, marker: marker, photo: photo, pdf: pdf)
    }

    static func configuration(_ dataDirectory: URL?) -> AppConfiguration {
        var configuration = TestApp.configuration()
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        return configuration
    }
}

enum LifecycleSupport {
    /// A private folder for one test, removed by the caller.
    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The `portico` executable built beside the tests (`swift build --build-tests` builds
    /// both), or `PORTICO_BIN`.
    static func binary() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["PORTICO_BIN"], !configured.isEmpty { return configured }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent(), beside.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("portico").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: path)
            {
                return path
            }
        }
        throw TestSupportError("no built `portico` beside \(beside.path): run `swift build --build-tests` (or set PORTICO_BIN)")
    }

    /// Runs the real `portico` binary with only the environment given (plus PATH and PORTICO_HOME).
    static func portico(
        _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(180)
    ) async throws -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-cli-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var env = environment
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        env["PORTICO_HOME"] = repositoryRoot.path
        env["LOG_LEVEL"] = env["LOG_LEVEL"] ?? "error"
        let process = try TestProcess([try binary()] + arguments, outputFile: log, environment: env)
        let code = try await process.waitForExit(timeout: timeout)
        return (code, process.output)
    }

    /// `tar -x` of an archive into a fresh folder.
    static func unpack(_ archive: URL) async throws -> URL {
        let target = try temporaryDirectory("unpacked")
        let result = try await TestProcess.run(["/usr/bin/tar", "--extract", "--file", archive.path, "--directory", target.path])
        #expect(result.exitCode == 0, "tar: \(result.output)")
        return target
    }

    /// Every regular file under `root`, as paths relative to it.
    static func files(under root: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            found.append(String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)))
        }
        return found.sorted()
    }

    /// Rows of `tenant` in every tenant table, counted as the superuser (no row-level security
    /// in the way): the truth an export or a deletion is checked against.
    static func rowCounts(tenant: TenantID, adminURL: String) async throws -> [String: Int] {
        let admin = ConnectionPool(configuration: PoolConfiguration(conninfo: adminURL, maxConnections: 1))
        do {
            var counts: [String: Int] = [:]
            for table in try await TenantCatalog.tables(in: admin) {
                // Table names cannot be bound; query_to_xml runs the count with the name quoted by format(%I).
                counts[table] =
                    try await admin.query(
                        """
                        SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I WHERE tenant_id = %L', \(table)::text, \(tenant.description)::text),
                                false, true, '')))[1]::text::int
                        """
                    ).rows.first?.decode(at: 0, as: Int.self) ?? -1
            }
            await admin.close()
            return counts
        } catch {
            await admin.close()
            throw error
        }
    }

}
