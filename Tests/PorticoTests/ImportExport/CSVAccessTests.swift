import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("CSV import and export: roles, isolation, CSRF, unreadable files")
struct CSVAccessTests {
    static let smallFile = "Account Number,Name,Email\r\nR-1,Robin Roe,robin@roe.example\r\n"

    @Test("only admins import; agents export; technicians, customers, strangers and other tenants' staff reach neither")
    func roles() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let foreignAdmin = try await other.staff(role: .admin)
        let agent = try await tenant.staff(role: .agent)
        let technician = try await tenant.staff(role: .technician)
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let id = try await CSVTesting.upload(admin, Self.smallFile)
            #expect(try await admin.get("/admin/import").body.contains("Import / export"))

            let agentBrowser = Browser(app: app, host: tenant.host)
            try await agentBrowser.signInStaff(agent.email)
            let home = try await agentBrowser.get("/admin")
            #expect(home.body.contains("href=\"/admin/export\""))
            #expect(!home.body.contains("href=\"/admin/import\""))
            for path in ["/admin/import", "/admin/import/\(id)"] {
                #expect(try await agentBrowser.get(path).status == .forbidden, "agent on \(path)")
            }
            try await agentBrowser.get("/admin")
            let agentUpload = try await agentBrowser.upload("/admin/import", fileName: "x.csv", file: Array(Self.smallFile.utf8))
            #expect(agentUpload.status == .forbidden)
            try await agentBrowser.get("/admin")
            #expect(
                try await agentBrowser.post(
                    "/admin/import/\(id)", ["mode": "import", "map_0": "account_number", "map_1": "customer_name", "map_2": "email"]
                ).status == .forbidden)
            #expect(try await agentBrowser.get("/admin/export").status == .ok)
            let export = try await agentBrowser.get("/admin/export/customers.csv")
            #expect(export.status == .ok)

            let techBrowser = Browser(app: app, host: tenant.host)
            try await techBrowser.signInStaff(technician.email)
            for path in ["/admin/import", "/admin/import/\(id)", "/admin/export", "/admin/export/organizations.csv"] {
                #expect(try await techBrowser.get(path).status == .forbidden, "technician on \(path)")
            }
            try await techBrowser.get("/admin")
            #expect(try await techBrowser.upload("/admin/import", fileName: "x.csv", file: Array(Self.smallFile.utf8)).status == .forbidden)

            let customerBrowser = Browser(app: app, host: tenant.host)
            try await customerBrowser.signInCustomer(customer.email)
            let stranger = Browser(app: app, host: tenant.host)
            for browser in [customerBrowser, stranger] {
                for path in ["/admin/import", "/admin/import/\(id)", "/admin/export", "/admin/export/customers.csv"] {
                    let response = try await browser.get(path)
                    #expect(response.status == .seeOther, "\(path)")
                    #expect(response.header("Location")?.hasPrefix("/admin/login") == true)
                }
            }
            #expect(try await stranger.upload("/admin/import", fileName: "x.csv", file: Array(Self.smallFile.utf8), includeCSRF: false).status != .ok)
            #expect(
                try await stranger.post(
                    "/admin/import/\(id)", ["mode": "import", "map_0": "account_number", "map_1": "customer_name", "map_2": "email"]
                ).status != .ok)
            #expect(try await stranger.post("/admin/import/\(id)/discard").status != .ok)

            // Another tenant's admin can neither sign in here nor bring their session over.
            #expect(try await Browser(app: app, host: tenant.host).signInStaff(foreignAdmin.email).status == .unauthorized)
            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(foreignAdmin.email)
            #expect(try await foreign.get("/admin/import").status == .ok, "their own console works")
            let carried = Browser(app: app, host: tenant.host)
            carried.setCookie("portico_session", foreign.cookie("portico_session"))
            for path in ["/admin/import", "/admin/import/\(id)", "/admin/export", "/admin/export/customers.csv", "/admin/export/organizations.csv"] {
                let response = try await carried.get(path)
                #expect(response.status == .seeOther, "other tenant's admin on \(path)")
                #expect(response.header("Location")?.hasPrefix("/admin/login") == true)
            }
            #expect(try await carried.upload("/admin/import", fileName: "x.csv", file: Array(Self.smallFile.utf8), includeCSRF: false).status != .ok)
            #expect(
                try await carried.post(
                    "/admin/import/\(id)", ["mode": "import", "map_0": "account_number", "map_1": "customer_name", "map_2": "email"]
                ).status != .ok)
            #expect(try await carried.post("/admin/import/\(id)/discard").status != .ok)

            // Technicians cannot run or discard the upload either; the admin still can.
            try await techBrowser.get("/admin")
            #expect(
                try await techBrowser.post(
                    "/admin/import/\(id)", ["mode": "import", "map_0": "account_number", "map_1": "customer_name", "map_2": "email"]
                ).status == .forbidden)
            try await techBrowser.get("/admin")
            #expect(try await techBrowser.post("/admin/import/\(id)/discard").status == .forbidden)
            try await agentBrowser.get("/admin")
            #expect(try await agentBrowser.post("/admin/import/\(id)/discard").status == .forbidden)
            // Only the subscriber's own account exists: nothing was imported.
            #expect(try await CSVTesting.counts(tenant).organizations == 1)
            #expect(
                try await tenant.transaction { tx in
                    try await tx.scalar("SELECT count(*)::int FROM organizations WHERE account_number = 'R-1'", as: Int.self)
                } == 0)
            #expect(try await admin.get("/admin/import/\(id)").status == .ok, "the upload survived every refused attempt")
            // Unknown export names are the same 404 as any missing page.
            #expect(try await admin.get("/admin/export/passwords.csv").status == .notFound)
            #expect(try await agentBrowser.get("/admin/export/staff.csv").status == .notFound)
        }
    }

    @Test("an import id of another tenant is a 404; exports never contain another tenant's rows")
    func isolation() async throws {
        let first = try await TestTenant.create()
        let second = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let firstAdmin = try await CSVTesting.admin(app, first)
            let secondAdmin = try await CSVTesting.admin(app, second)
            let id = try await CSVTesting.upload(firstAdmin, "Account Number,Name,Email\r\nI-1,Only First,only@first.example\r\n")
            _ = try await CSVTesting.run(
                secondAdmin, id: try await CSVTesting.upload(secondAdmin, "Account Number,Name,Email\r\nI-2,Only Second,only@second.example\r\n"),
                mode: "import")

            #expect(try await secondAdmin.get("/admin/import/\(id)").status == .notFound)
            try await secondAdmin.get("/admin/import")
            let foreignRun = try await secondAdmin.post(
                "/admin/import/\(id)", ["mode": "import", "map_0": "account_number", "map_1": "customer_name", "map_2": "email"])
            #expect(foreignRun.status == .notFound)
            try await secondAdmin.get("/admin/import")
            #expect(try await secondAdmin.post("/admin/import/\(id)/discard").status == .notFound)
            for malformed in ["../../etc/passwd", "x", String(repeating: "a", count: 32) + ".json"] {
                #expect(
                    try await secondAdmin.get("/admin/import/\(malformed.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").status
                        == .notFound)
            }
            #expect(try await CSVTesting.counts(second).organizations == 1)
            // The owner still has it.
            _ = try await CSVTesting.run(firstAdmin, id: id, mode: "import")

            // Work orders, their history and appointments in both tenants, with telling text.
            for (tenant, marker) in [(first, "first"), (second, "second")] {
                try await tenant.transaction { tx in
                    let organization = try #require(
                        try await Repositories.postgres.organizations.find(accountNumber: marker == "first" ? "I-1" : "I-2", in: tx))
                    let order = try await tx.first(
                        """
                        INSERT INTO work_orders (tenant_id, number, organization_id, title, internal_notes)
                        VALUES (\(tx.tenant), 9001, \(organization.id), \("Job of " + marker + ".example"), \("secret " + marker + ".example"))
                        RETURNING id
                        """)!.decode("id", as: UUID.self)
                    try await tx.execute(
                        """
                        INSERT INTO work_order_changes (tenant_id, work_order_id, field, new_value, actor_kind, reason)
                        VALUES (\(tx.tenant), \(order), 'status', 'submitted', 'system', \("change in " + marker + ".example"))
                        """)
                    try await tx.execute(
                        """
                        INSERT INTO appointments (tenant_id, organization_id, work_order_id, starts_at, ends_at, notes)
                        VALUES (\(tx.tenant), \(organization.id), \(order), now(), now() + interval '1 hour', \("visit " + marker + ".example"))
                        """)
                }
            }
            for export in CSVExport.all {
                let firstExport = try await firstAdmin.get(export.path)
                let secondExport = try await secondAdmin.get(export.path)
                #expect(firstExport.status == .ok && secondExport.status == .ok)
                #expect(!firstExport.body.contains("second.example") && !firstExport.body.contains("I-2"), "\(export.kind)")
                #expect(!secondExport.body.contains("first.example") && !secondExport.body.contains("I-1"), "\(export.kind)")
            }
            for export in CSVExport.all {
                let own = export.kind == "organizations" ? "Only First" : "first.example"
                #expect(try await firstAdmin.get(export.path).body.contains(own), "\(export.kind) has the tenant's own rows")
            }
            #expect(try await firstAdmin.get("/admin/export/customers.csv").body.contains("only@first.example"))
            #expect(try await secondAdmin.get("/admin/export/customers.csv").body.contains("only@second.example"))
        }
    }

    @Test("the multipart upload needs the session's CSRF token")
    func csrf() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let wrong = try await admin.upload(
                "/admin/import", fields: ["csrf_token": "not-the-token-" + String(repeating: "x", count: 30)],
                fileName: "a.csv", file: Array(Self.smallFile.utf8))
            #expect(wrong.status == .forbidden)
            #expect(wrong.body.contains("security token does not match"))
            let missing = try await admin.upload("/admin/import", fileName: "a.csv", file: Array(Self.smallFile.utf8), includeCSRF: false)
            #expect(missing.status == .forbidden)
            // From another site, even with the token.
            try await admin.get("/admin/import")
            var headers: HTTPFields = [:]
            headers[.contentType] = "multipart/form-data; boundary=b"
            headers[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let token = try #require(admin.csrfToken)
            let body =
                "--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\(token)\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n\(Self.smallFile)\r\n--b--\r\n"
            #expect(try await admin.send(.post, "/admin/import", bytes: Array(body.utf8), headers: headers).status == .forbidden)
            // Nothing was stored.
            let folder = app.dependencies.configuration.dataDirectory.appendingPathComponent("imports/\(tenant.id.rawValue.uuidString.lowercased())")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty)
            // The right token works.
            try await admin.get("/admin/import")
            _ = try await CSVTesting.upload(admin, Self.smallFile)
        }
    }

    @Test("empty, header-only, binary, spreadsheet, wrong-delimiter, too long and too large files get a clear message")
    func unreadableFiles() async throws {
        let tenant = try await TestTenant.create()
        var tooManyRows = "account_number,customer_name\n"
        tooManyRows.reserveCapacity(1_400_000)
        for index in 0...100_000 { tooManyRows += "\(index),n\n" }
        let cases: [(String, [UInt8], HTTPResponse.Status, String)] = [
            ("empty", [], .unprocessableContent, "The file is empty"),
            ("blank lines", Array("\r\n\r\n  \r\n".utf8), .unprocessableContent, "The file is empty"),
            ("header only", Array("Account Number,Name,Email\r\n".utf8), .unprocessableContent, "no data rows"),
            ("header only with BOM", [0xEF, 0xBB, 0xBF] + Array("Account Number;Name".utf8), .unprocessableContent, "no data rows"),
            (
                "binary", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52], .unsupportedMediaType,
                "binary data"
            ),
            (
                "xlsx", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00] + Array(repeating: 0x41, count: 200), .unsupportedMediaType,
                "spreadsheet workbook"
            ),
            ("pdf", Array("%PDF-1.7\n%âãÏÓ\n".utf8), .unsupportedMediaType, "PDF"),
            ("pipes", Array("Account Number|Name|Email\r\nP-1|Pat|pat@example.net\r\n".utf8), .unprocessableContent, "only one column"),
            (
                "mixed delimiters", Array("Account Number,Name,Email\r\nM-1;Max;max@example.net\r\nM-2;Mia;mia@example.net\r\n".utf8),
                .unprocessableContent, "same number of values as the header"
            ),
            ("too many rows", Array(tooManyRows.utf8), .unprocessableContent, "more than 100,000 data rows"),
        ]
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            for (name, bytes, status, message) in cases {
                try await admin.get("/admin/import")
                let response = try await admin.upload("/admin/import", fileName: "\(name).csv", file: bytes)
                #expect(response.status == status, "\(name): \(response.status)")
                #expect(response.body.contains(message), "\(name): \(response.body.prefix(2000))")
                #expect(response.body.contains("error-summary"), "\(name)")
            }
            // Larger than 20 MB: refused before it is read.
            try await admin.get("/admin/import")
            let large = try await admin.upload(
                "/admin/import", fileName: "large.csv", file: Array(repeating: UInt8(ascii: "a"), count: 21 * 1024 * 1024))
            #expect(large.status == .contentTooLarge)
            #expect(large.body.contains("larger than 20 MB"))
            // No file chosen, and a body that is not multipart.
            try await admin.get("/admin/import")
            let none = try await admin.upload("/admin/import", fileName: "", file: [])
            #expect(none.status == .unprocessableContent)
            #expect(none.body.contains("Choose a CSV file"))
            try await admin.get("/admin/import")
            let plain = try await admin.post("/admin/import", ["file": "a,b"])
            #expect(plain.status == .unsupportedMediaType)
            let folder = app.dependencies.configuration.dataDirectory.appendingPathComponent("imports/\(tenant.id.rawValue.uuidString.lowercased())")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty)
        }
    }

    @Test("old uploads are swept away after a day")
    func sweep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("csv-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = ImportFiles(dataDirectory: root)
        let tenant = TenantID(UUID())
        let upload = ImportUpload(
            id: ImportFiles.newId(), tenantId: tenant.rawValue, fileName: "a.csv", uploadedAt: Date(), uploadedBy: UUID(),
            byteCount: 3, encoding: .utf8, delimiter: .comma, header: ["a", "b"], samples: [[], []], rowCount: 1, mapping: ["", ""])
        try files.save(upload, text: "a,b\n1,2\n", tenant: tenant)
        #expect(files.sweep() == 0)
        #expect(try files.load(upload.id, tenant: tenant).rowCount == 1)
        #expect(throws: AppError.self) { try files.load(upload.id, tenant: TenantID(UUID())) }
        #expect(files.sweep(now: Date().addingTimeInterval(ImportFiles.lifetime + 60)) == 2)
        #expect(throws: AppError.self) { try files.load(upload.id, tenant: tenant) }
    }
}
