import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("CSV import: upload, mapping, dry run, import")
struct CSVImportTests {
    /// BOM, `;` delimiter, CRLF line ends, a quoted field with a line break and doubled
    /// quotes, good rows, a second member of an account, duplicates, bad values.
    static let mixedFile: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array(
            ([
                "Account #;Household;Type;Service Address;Package;Status;Full name;E-mail;Mobile;Model;S/N;MAC Address;Install date",
                "A-1001;Smith household;residential;\"12 Main St\r\nApt 4\";Basic 25;active;Jo Smith;jo@smith.example;+1 555 0100;LiteBeam;SN-1;00:1A:2B:3C:4D:01;2024-03-01",
                "A-1001;Smith household;;;;;Sam Smith;sam@smith.example;555-0101;;;;",
                "A-1002;Zoë's Café;business;\"1 \"\"Quoted\"\" Rd; Unit 2\";Biz 100;pending install;Zoë Chef;zoe@cafe.example;;PowerBeam;SN-2;00-1a-2b-3c-4d-02;2024/04/02",
                "A-1003;Bad Email Inc;business;;;;Ann Bad;not-an-email;;;;;",
                "A-1004;Dupe;;;;;Jo Again;JO@smith.example;;;;;",
                "A-1002;Zoë's Café;business;;;;;;;PowerBeam;SN-2;00-1a-2b-3c-4d-02;",
                "A-1005;Bad Mac;;;;active;Mac Bad;mac@bad.example;;Rocket;SN-5;ZZ:11;",
                "A-1006;Bad Status;;;;on fire;;;;;;;",
                ";No Account;;;;;;noacct@x.example;;;;;",
                "A-1007;Org Only LLC;business;9 Elm;Biz 50;suspended;;;;;;;",
                "",
            ].joined(separator: "\r\n")).utf8)

    @Test("dry run reports every row and writes nothing; the import writes exactly the good rows; importing again updates")
    func dryRunThenImport() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let id = try await CSVTesting.upload(admin, Self.mixedFile)

            // The file is kept on the server, readable by its owner only.
            let folder = app.dependencies.configuration.dataDirectory
                .appendingPathComponent("imports/\(tenant.id.rawValue.uuidString.lowercased())")
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("\(id).csv").path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            let mappingPage = try await admin.get("/admin/import/\(id)")
            #expect(mappingPage.body.contains("10 data rows"))
            #expect(mappingPage.body.contains("semicolons"))
            #expect(mappingPage.body.contains("Zoë"))
            #expect(!mappingPage.body.contains("<script>"))

            let dryRun = try await CSVTesting.run(admin, id: id, mode: "dry_run")
            let totals = CSVTesting.totals(dryRun.body)
            #expect(totals["rows"] == 10)
            #expect(totals["created"] == 4)
            #expect(totals["updated"] == 0)
            #expect(totals["duplicates"] == 2)
            #expect(totals["errors"] == 4)
            #expect(totals["organizations_created"] == 3)
            #expect(totals["customers_created"] == 3)
            #expect(totals["equipment_added"] == 2)
            #expect(dryRun.body.contains("Email jo@smith.example already appears on row 2"))
            #expect(dryRun.body.contains("not-an-email"))
            #expect(dryRun.body.contains("MAC address “ZZ:11” is not valid"))
            #expect(dryRun.body.contains("Service status “on fire”"))
            #expect(dryRun.body.contains("Account number is missing"))
            #expect(dryRun.body.contains("Account number A-1002 already appears on row 4"))
            #expect(try await CSVTesting.counts(tenant) == .init(organizations: 0, customers: 0, equipment: 0))

            let imported = try await CSVTesting.run(admin, id: id, mode: "import")
            #expect(CSVTesting.totals(imported.body)["created"] == 4)
            #expect(imported.body.contains("Import finished"))
            #expect(try await CSVTesting.counts(tenant) == .init(organizations: 3, customers: 3, equipment: 2))
            // The upload is gone once imported.
            #expect(try await admin.get("/admin/import/\(id)").status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(id).csv").path))

            try await tenant.transaction { tx in
                let smith = try #require(try await Repositories.postgres.organizations.find(accountNumber: "A-1001", in: tx))
                #expect(smith.name == "Smith household")
                #expect(smith.kind == .household)
                #expect(smith.serviceAddress == "12 Main St\r\nApt 4")
                #expect(smith.servicePlan == "Basic 25")
                #expect(smith.serviceStatus == .active)
                let members = try await Repositories.postgres.customers.members(of: smith.id, in: tx)
                #expect(members.map(\.email).sorted() == ["jo@smith.example", "sam@smith.example"])
                #expect(members.first { $0.email == "jo@smith.example" }?.role == .owner)
                #expect(members.first { $0.email == "sam@smith.example" }?.role == .member)
                #expect(members.allSatisfy { $0.status == .pending })
                let jo = try #require(try await Repositories.postgres.customers.credentials(forIdentifier: "jo@smith.example", in: tx).first)
                #expect(jo.passwordHash == nil)
                let equipment = try await Repositories.postgres.organizations.equipment(of: smith.id, in: tx)
                #expect(equipment.map(\.mac) == ["00:1a:2b:3c:4d:01"])
                #expect(equipment.first?.installedOn == "2024-03-01")

                let cafe = try #require(try await Repositories.postgres.organizations.find(accountNumber: "A-1002", in: tx))
                #expect(cafe.name == "Zoë's Café")
                #expect(cafe.kind == .business)
                #expect(cafe.serviceAddress == "1 \"Quoted\" Rd; Unit 2")
                #expect(cafe.serviceStatus == .pendingInstall)
                let device = try #require(try await Repositories.postgres.organizations.equipment(of: cafe.id, in: tx).first)
                #expect(device.mac == "00:1a:2b:3c:4d:02")
                #expect(device.serial == "SN-2")
                #expect(device.installedOn == "2024-04-02")

                let orgOnly = try #require(try await Repositories.postgres.organizations.find(accountNumber: "A-1007", in: tx))
                #expect(orgOnly.serviceStatus == .suspended)
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "A-1003", in: tx) == nil)
                #expect(try await Repositories.postgres.customers.find(email: "mac@bad.example", in: tx) == nil)
            }
            let actions = try await CSVTesting.actions(tenant)
            #expect(actions.contains("import.uploaded"))
            #expect(actions.contains("import.dry_run"))
            #expect(actions.contains("import.completed"))

            // The same file again, with a changed plan and phone: updates, no duplicates.
            let changed = String(decoding: Self.mixedFile, as: UTF8.self)
                .replacingOccurrences(of: "Basic 25", with: "Basic 50").replacingOccurrences(of: "555-0101", with: "555-0199")
                .replacingOccurrences(of: "9 Elm;Biz 50", with: "9 Elm;")
            try await admin.get("/admin/import")
            let again = try await CSVTesting.upload(admin, changed)
            let reDry = CSVTesting.totals(try await CSVTesting.run(admin, id: again, mode: "dry_run").body)
            #expect(reDry["created"] == 0)
            #expect(reDry["updated"] == 4)
            #expect(reDry["organizations_updated"] == 3)
            let reImport = CSVTesting.totals(try await CSVTesting.run(admin, id: again, mode: "import").body)
            #expect(reImport["updated"] == 4)
            #expect(reImport["equipment_updated"] == 2)
            #expect(try await CSVTesting.counts(tenant) == .init(organizations: 3, customers: 3, equipment: 2))
            try await tenant.transaction { (tx: TenantTransaction) async throws in
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "A-1001", in: tx)?.servicePlan == "Basic 50")
                #expect(try await Repositories.postgres.customers.find(email: "sam@smith.example", in: tx)?.phone == "555-0199")
                // An empty cell keeps what is stored.
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "A-1007", in: tx)?.servicePlan == "Biz 50")
            }
        }
    }

    @Test("an email that belongs to another account is a duplicate: the customer is never moved; a discarded upload is gone")
    func emailOfAnotherAccount() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let first = "Account Number,Name,Email\r\nE-1,Erin East,erin@east.example\r\n"
            _ = try await CSVTesting.run(admin, id: try await CSVTesting.upload(admin, first), mode: "import")

            // E-2 claims Erin: a duplicate, in the dry run and in the import; E-3 is fine.
            let second =
                "Account Number,Name,Email\r\nE-2,Wes West,ERIN@east.example\r\nE-3,Nia North,nia@north.example\r\nE-2,Wes West,wes@west.example\r\n"
            let id = try await CSVTesting.upload(admin, second)
            let dry = try await CSVTesting.run(admin, id: id, mode: "dry_run")
            let dryTotals = CSVTesting.totals(dry.body)
            #expect(dryTotals["duplicates"] == 1)
            #expect(dryTotals["created"] == 1)
            #expect(dryTotals["errors"] == 1, "the account's later row cannot attach to an account that was skipped")
            #expect(dry.body.contains("Email erin@east.example already belongs to a customer of account E-1"))
            let done = CSVTesting.totals(try await CSVTesting.run(admin, id: id, mode: "import").body)
            #expect(done == dryTotals, "the import does what the dry run said")
            try await tenant.transaction { tx in
                let east = try #require(try await Repositories.postgres.organizations.find(accountNumber: "E-1", in: tx))
                #expect(try await Repositories.postgres.customers.find(email: "erin@east.example", in: tx)?.organizationId == east.id)
                #expect(try await Repositories.postgres.customers.find(email: "erin@east.example", in: tx)?.name == "Erin East")
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "E-2", in: tx) == nil)
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "E-3", in: tx) != nil)
            }

            // Discarding an upload deletes its file, is audited, and the id is a 404 afterwards.
            let discarded = try await CSVTesting.upload(admin, second)
            try await admin.get("/admin/import/\(discarded)")
            let response = try await admin.post("/admin/import/\(discarded)/discard")
            #expect(response.status == .ok)
            #expect(response.body.contains("The uploaded file was deleted."))
            #expect(try await admin.get("/admin/import/\(discarded)").status == .notFound)
            #expect(try await CSVTesting.actions(tenant).contains("import.discarded"))
            #expect(try await CSVTesting.counts(tenant) == .init(organizations: 2, customers: 2, equipment: 0))
        }
    }

    @Test("a file that is not UTF-8 is read as Windows-1252, with a notice")
    func windows1252() async throws {
        let tenant = try await TestTenant.create()
        // "José Muñoz", "Café € plan" in Windows-1252.
        let bytes: [UInt8] =
            Array("Account Number,Name,Email Address,Service Plan\r\nW-1,Jos".utf8) + [0xE9] + Array(" Mu".utf8) + [0xF1]
            + Array("oz,jose@example.net,Caf".utf8) + [0xE9, 0x20, 0x80] + Array(" plan\r\n".utf8)
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let id = try await CSVTesting.upload(admin, bytes, name: "latin.csv")
            let page = try await admin.get("/admin/import/\(id)")
            #expect(page.body.contains("Windows-1252"))
            #expect(page.body.contains("José Muñoz"))
            #expect(CSVTesting.totals(try await CSVTesting.run(admin, id: id, mode: "dry_run").body)["created"] == 1)
            #expect(try await CSVTesting.counts(tenant).customers == 0)
            _ = try await CSVTesting.run(admin, id: id, mode: "import")
            try await tenant.transaction { tx in
                let organization = try #require(try await Repositories.postgres.organizations.find(accountNumber: "W-1", in: tx))
                #expect(organization.name == "José Muñoz")
                #expect(organization.servicePlan == "Café € plan")
                #expect(try await Repositories.postgres.customers.find(email: "jose@example.net", in: tx)?.name == "José Muñoz")
            }
        }
    }

    @Test("UTF-16 with a byte-order mark (Excel's “Unicode text”, tab-separated) is read as such")
    func utf16() async throws {
        let tenant = try await TestTenant.create()
        let text = "Acct No\tFull Name\tE-mail\tPhone number\r\nU-1\tŁucja Żak\tlucja@example.pl\t+48 22 555 0100\r\n"
        let bytes: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let id = try await CSVTesting.upload(admin, bytes, name: "unicode.txt")
            let page = try await admin.get("/admin/import/\(id)")
            #expect(page.body.contains("UTF-16"))
            #expect(page.body.contains("tabs"))
            #expect(CSVTesting.proposedMapping(page.body) == [0: "account_number", 1: "customer_name", 2: "email", 3: "phone"])
            #expect(CSVTesting.totals(try await CSVTesting.run(admin, id: id, mode: "import").body)["created"] == 1)
            try await tenant.transaction { (tx: TenantTransaction) async throws in
                #expect(try await Repositories.postgres.customers.find(email: "lucja@example.pl", in: tx)?.name == "Łucja Żak")
                #expect(try await Repositories.postgres.organizations.find(accountNumber: "U-1", in: tx)?.name == "Łucja Żak")
            }
        }
    }

    @Test("column names map automatically through common synonyms")
    func automaticMapping() {
        let cases: [(String, ImportField?)] = [
            ("Account #", .accountNumber), ("acct_no", .accountNumber), ("Account Number", .accountNumber), ("Customer ID", .accountNumber),
            ("E-mail", .email), ("Email Address", .email), ("EMAIL", .email),
            ("Phone number", .phone), ("Mobile", .phone), ("Tel", .phone), ("Tel.", .phone),
            ("Plan", .servicePlan), ("Service Plan", .servicePlan), ("Package", .servicePlan),
            ("Name", .customerName), ("Customer Name", .customerName), ("Full name", .customerName),
            ("Address", .serviceAddress), ("Service Address", .serviceAddress), ("Status", .serviceStatus),
            ("MAC", .equipmentMAC), ("MAC Address", .equipmentMAC), ("Serial", .equipmentSerial), ("S/N", .equipmentSerial),
            ("Model", .equipmentModel), ("Installed", .equipmentInstalledOn), ("Install date", .equipmentInstalledOn),
            ("Household", .organizationName), ("Company name", .organizationName), ("Type", .kind), ("External ID", .externalId),
            ("customer_external_id", .customerExternalId), ("customer_role", .customerRole),
            ("Favourite colour", nil), ("created_at", nil), ("customer_status", nil),
        ]
        for (header, field) in cases {
            #expect(ImportMapping.automatic(header: [header]).columns == [field], "\(header)")
        }
        // Every export's header maps back onto the import without a correction.
        for name in CSVExport.organizations.header + CSVExport.customers.header {
            let field = ImportMapping.automatic(header: [name]).columns[0]
            #expect(
                field?.rawValue == name || ["created_at", "updated_at", "customer_status", "email_verified", "last_sign_in_at"].contains(name),
                "\(name)")
        }
        // Two columns for one field: the first gets it.
        #expect(ImportMapping.automatic(header: ["Email", "E-mail"]).columns == [.email, nil])
    }

    @Test("the admin corrects the automatic mapping; a mapping without the required fields is refused")
    func correctedMapping() async throws {
        let tenant = try await TestTenant.create()
        let file = """
            Acct,Contact,Mail,Status,Site
            C-1,Dana Field,dana@field.example,VIP,4 Hill Road
            C-2,Eli Stone,eli@stone.example,regular,5 Hill Road

            """
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let id = try await CSVTesting.upload(admin, file)
            let page = try await admin.get("/admin/import/\(id)")
            let proposed = CSVTesting.proposedMapping(page.body)
            #expect(proposed == [0: "account_number", 1: "customer_name", 2: "email", 3: "service_status", 4: ""])

            // As guessed, the status column holds something else: every row fails.
            let guessed = try await CSVTesting.submit(admin, id: id, mapping: proposed, mode: "dry_run")
            #expect(CSVTesting.totals(guessed.body)["errors"] == 2)
            #expect(guessed.body.contains("Service status “VIP”"))

            // Without an account number column, or with one field twice: refused, nothing run.
            var missing = proposed
            missing[0] = ""
            let refused = try await CSVTesting.submit(admin, id: id, mapping: missing, mode: "import")
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("account number"))
            var twice = proposed
            twice[4] = "email"
            let doubled = try await CSVTesting.submit(admin, id: id, mapping: twice, mode: "dry_run")
            #expect(doubled.status == .unprocessableContent)
            #expect(doubled.body.contains("are both set to Customer email"))
            var bogus = proposed
            bogus[3] = "password_hash"
            #expect(try await CSVTesting.submit(admin, id: id, mapping: bogus, mode: "dry_run").status == .unprocessableContent)
            #expect(try await CSVTesting.counts(tenant).organizations == 0)

            // Corrected: status ignored, Site is the service address.
            var corrected = proposed
            corrected[3] = ""
            corrected[4] = "service_address"
            let dry = try await CSVTesting.submit(admin, id: id, mapping: corrected, mode: "dry_run")
            #expect(CSVTesting.totals(dry.body)["created"] == 2)
            // The choice is remembered for the next visit of the mapping page.
            #expect(CSVTesting.proposedMapping(try await admin.get("/admin/import/\(id)").body) == corrected)
            let done = try await CSVTesting.submit(admin, id: id, mapping: corrected, mode: "import")
            #expect(CSVTesting.totals(done.body)["created"] == 2)
            try await tenant.transaction { tx in
                let organization = try #require(try await Repositories.postgres.organizations.find(accountNumber: "C-1", in: tx))
                #expect(organization.serviceAddress == "4 Hill Road")
                #expect(organization.name == "Dana Field")
                #expect(organization.serviceStatus == .pendingInstall)
            }
        }
    }

    @Test("50,000 rows import correctly (time printed)")
    func fiftyThousandRows() async throws {
        let tenant = try await TestTenant.create()
        let count = 50_000
        var file =
            "account_number,organization_name,kind,service_address,service_plan,service_status,customer_name,email,phone,equipment_model,equipment_serial,equipment_mac,equipment_installed_on\r\n"
        file.reserveCapacity(count * 190)
        for index in 0..<count {
            let mac = String(format: "02:00:%02x:%02x:%02x:%02x", (index >> 24) & 0xFF, (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF)
            file +=
                "B\(100_000 + index),\"Household \(index), Unit \(index % 7)\",\(index % 5 == 0 ? "business" : "household"),"
                + "\(index) Long Road,Plan \(index % 4),active,Person \(index),person\(index)@bulk.example,+1 555 \(1_000_000 + index),"
                + "LiteBeam AC,SN\(index),\(mac),2024-0\(index % 9 + 1)-1\(index % 9)\r\n"
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let clock = ContinuousClock()
            var id = ""
            let upload = try await clock.measure { id = try await CSVTesting.upload(admin, file, name: "bulk.csv") }
            var dryPage = ""
            let dry = try await clock.measure { dryPage = try await CSVTesting.run(admin, id: id, mode: "dry_run").body }
            #expect(CSVTesting.totals(dryPage)["created"] == count)
            var importPage = ""
            let real = try await clock.measure { importPage = try await CSVTesting.run(admin, id: id, mode: "import").body }
            let totals = CSVTesting.totals(importPage)
            #expect(totals["rows"] == count)
            #expect(totals["created"] == count)
            #expect(totals["errors"] == 0)
            #expect(try await CSVTesting.counts(tenant) == .init(organizations: count, customers: count, equipment: count))
            try await tenant.transaction { tx in
                let organization = try #require(try await Repositories.postgres.organizations.find(accountNumber: "B149999", in: tx))
                #expect(organization.name == "Household 49999, Unit 5")
                let owner = try #require(try await Repositories.postgres.customers.find(email: "person49999@bulk.example", in: tx))
                #expect(owner.organizationId == organization.id)
                #expect(owner.role == .owner)
                #expect(try await Repositories.postgres.organizations.equipment(of: organization.id, in: tx).first?.mac == "02:00:00:00:c3:4f")
            }
            print("CSV import benchmark (\(count) rows, \(file.utf8.count / 1024) KiB): upload + analysis \(upload), dry run \(dry), import \(real)")
        }
    }
}
