import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("CSV export: streaming, formula cells, round trip through the import")
struct CSVExportTests {
    /// Accounts, customers and equipment with awkward values: commas, quotes, line breaks,
    /// accents, and cells a spreadsheet would run as formulas.
    static func seed(_ tenant: TestTenant) async throws {
        try await tenant.transaction { tx in
            let organizations = Repositories.postgres.organizations
            let customers = Repositories.postgres.customers
            let first = try await organizations.create(
                NewOrganization(
                    accountNumber: "RT-1", name: "=cmd|' /C calc'!A0", kind: .business, serviceAddress: "+1 Plus Street, \"Suite\" 5\nBack door",
                    servicePlan: "-2 Mbps, capped", serviceStatus: .active, externalId: "@ext-1"), in: tx)
            _ = try await organizations.addEquipment(
                NewEquipment(model: "LiteBeam AC", serial: "SN,1", mac: "AA:BB:CC:00:11:22", installedOn: "2024-02-29"), to: first.id, in: tx)
            _ = try await organizations.addEquipment(NewEquipment(model: "Router ☃", serial: "", mac: "", installedOn: nil), to: first.id, in: tx)
            _ = try await customers.create(
                NewCustomer(
                    organizationId: first.id, role: .owner, name: "@Ann Ürban", email: "ann@rt.example",
                    phone: "+1 555 0100", status: .active, emailVerified: true, externalId: "=C1"), in: tx)
            _ = try await customers.create(
                NewCustomer(
                    organizationId: first.id, role: .member, name: "Bo, \"the\" Member", email: "bo@rt.example",
                    phone: "-555-0101", status: .suspended), in: tx)
            let second = try await organizations.create(
                NewOrganization(
                    accountNumber: "RT-2", name: "Quiet Household", kind: .household, serviceAddress: "", servicePlan: "",
                    serviceStatus: .pendingInstall), in: tx)
            _ = try await customers.create(NewCustomer(organizationId: second.id, role: .owner, name: "Cy Quiet", email: "cy@rt.example"), in: tx)
            _ = try await organizations.create(NewOrganization(accountNumber: "RT-3", name: "Nobody Home", serviceStatus: .cancelled), in: tx)
        }
    }

    struct Snapshot: Equatable {
        var organizations: [String] = []
        var equipment: [String] = []
        var customers: [String] = []
    }

    static func snapshot(_ tenant: TestTenant) async throws -> Snapshot {
        try await tenant.transaction { tx in
            var snapshot = Snapshot()
            snapshot.organizations = try await tx.rows(
                """
                SELECT concat_ws('|', account_number, name, kind, service_address, service_plan, service_status, coalesce(external_id, '-'))
                  FROM organizations ORDER BY account_number
                """
            ).map { try $0.decode(at: 0, as: String.self) }
            snapshot.equipment = try await tx.rows(
                """
                SELECT concat_ws('|', o.account_number, e.model, e.serial, e.mac, coalesce(e.installed_on::text, '-'))
                  FROM equipment e JOIN organizations o ON o.id = e.organization_id ORDER BY 1
                """
            ).map { try $0.decode(at: 0, as: String.self) }
            snapshot.customers = try await tx.rows(
                """
                SELECT concat_ws('|', c.email, o.account_number, c.name, c.phone, c.phone_digits, c.role, coalesce(c.external_id, '-'))
                  FROM customers c JOIN organizations o ON o.id = c.organization_id ORDER BY 1
                """
            ).map { try $0.decode(at: 0, as: String.self) }
            return snapshot
        }
    }

    @Test("organizations and customers exported from one tenant import into another as the same data")
    func roundTrip() async throws {
        let source = try await TestTenant.create()
        let target = try await TestTenant.create()
        try await Self.seed(source)
        try await TestApp.with { (app: TestApp) async throws in
            let sourceAdmin = try await CSVTesting.admin(app, source)
            let organizations = try await sourceAdmin.get("/admin/export/organizations.csv")
            #expect(organizations.status == .ok)
            #expect(organizations.header("Content-Type") == "text/csv; charset=utf-8")
            #expect(organizations.header("Content-Disposition")?.hasPrefix("attachment; filename=\"\(source.slug)-organizations-") == true)
            let customers = try await sourceAdmin.get("/admin/export/customers.csv")
            #expect(customers.status == .ok)
            #expect(!customers.body.contains("argon2"))

            let targetAdmin = try await CSVTesting.admin(app, target)
            for file in [organizations.body, customers.body] {
                let id = try await CSVTesting.upload(targetAdmin, file)
                // The export's columns map onto the import without a correction.
                let proposed = CSVTesting.proposedMapping(try await targetAdmin.get("/admin/import/\(id)").body)
                #expect(proposed.values.filter { !$0.isEmpty }.count >= 11)
                let result = CSVTesting.totals(try await CSVTesting.run(targetAdmin, id: id, mode: "import").body)
                #expect(result["errors"] == 0)
                #expect(result["duplicates"] == 0)
            }
            let expected = try await Self.snapshot(source)
            #expect(expected.organizations.count == 3 && expected.equipment.count == 2 && expected.customers.count == 3)
            #expect(try await Self.snapshot(target) == expected)
            // Imported customers wait for an invitation, whatever their status was.
            #expect(
                try await target.transaction { tx in
                    try await tx.scalar("SELECT count(*) FROM customers WHERE status = 'pending' AND password_hash IS NULL", as: Int.self)
                } == 3)

            // Importing the same exports again changes nothing.
            for file in [organizations.body, customers.body] {
                let id = try await CSVTesting.upload(targetAdmin, file)
                let result = CSVTesting.totals(try await CSVTesting.run(targetAdmin, id: id, mode: "import").body)
                #expect(result["created"] == 0)
            }
            #expect(try await Self.snapshot(target) == expected)
        }
    }

    @Test("cells starting with =, +, -, @ are neutralised in every export")
    func formulaCells() async throws {
        let tenant = try await TestTenant.create()
        try await Self.seed(tenant)
        let technician = try await tenant.staff(role: .technician, email: "=tech\(UUID().uuidString.prefix(4).lowercased())@staff.example")
        try await tenant.transaction { tx in
            let organization = try #require(try await Repositories.postgres.organizations.find(accountNumber: "RT-1", in: tx))
            let order = try await tx.first(
                """
                INSERT INTO work_orders (tenant_id, number, organization_id, title, description, category, internal_notes, shop_notes,
                                         assignee_id, status, closed_reason)
                VALUES (\(tx.tenant), 7001, \(organization.id), '=cmd', '@x', '+1', '-2', '=HYPERLINK("http://evil.example")',
                        \(technician.id), 'in_progress', '@reason')
                RETURNING id
                """)!.decode("id", as: UUID.self)
            try await tx.execute(
                """
                INSERT INTO work_order_changes (tenant_id, work_order_id, field, old_value, new_value, actor_kind, actor_name, reason)
                VALUES (\(tx.tenant), \(order), 'title', '+1', '=cmd', 'staff', '@admin', '-2')
                """)
            try await tx.execute(
                """
                INSERT INTO appointments (tenant_id, organization_id, work_order_id, starts_at, ends_at, technician_id, address, notes, reschedule_note)
                VALUES (\(tx.tenant), \(organization.id), \(order), now(), now() + interval '2 hours', \(technician.id), '@x', '=cmd', '+1')
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            for export in CSVExport.all {
                let response = try await admin.get(export.path)
                #expect(response.status == .ok, "\(export.kind)")
                #expect(response.header("Content-Disposition")?.hasPrefix("attachment;") == true)
                let (header, rows) = try CSVTesting.parse(response.body)
                #expect(header == export.header, "\(export.kind)")
                #expect(!rows.isEmpty, "\(export.kind)")
                var neutralised = 0
                for row in rows {
                    #expect(row.count == header.count, "\(export.kind)")
                    for cell in row {
                        #expect(!["=", "+", "-", "@", "\t", "\r"].contains(cell.first.map(String.init) ?? ""), "\(export.kind): \(cell)")
                        if cell.hasPrefix("'") { neutralised += 1 }
                    }
                }
                #expect(neutralised >= 2, "\(export.kind) has formula cells to neutralise")
            }
            let actions = try await CSVTesting.actions(tenant)
            for action in ["export.organizations", "export.customers", "export.work_orders", "export.work_order_history", "export.appointments"] {
                #expect(actions.contains(action), "\(action)")
            }
        }
    }

    @Test("the writer quotes line breaks and neutralises formula cells reversibly; the import reads every value back")
    func cellRoundTrip() throws {
        let values = [
            "=SUM(A1:A2)", "+1 555 0100", "-5", "@mention", "\tindented", "\rreturn", "'=already", "''=twice", "'plain",
            "12 Main St\r\nApt 4", "line\nbreak", "comma, inside", "\"quoted\"", "Zoë ☃", "a-b=c", "'", "plain",
        ]
        #expect(CSVWriter.cell("12 Main St\r\nApt 4") == "\"12 Main St\r\nApt 4\"")
        #expect(CSVWriter.cell("=1+2") == "\"'=1+2\"")
        #expect(CSVWriter.cell("'=1+2") == "\"''=1+2\"")
        #expect(CSVWriter.cell("a-b=c") == "a-b=c")
        let text = CSVWriter.row(["h\(values.count)"] + values.indices.map { "c\($0)" }) + CSVWriter.row(["x"] + values)
        let (_, rows) = try CSVTesting.parse(text)
        #expect(rows.count == 1)
        let cells = Array(rows[0].dropFirst())
        #expect(cells.count == values.count)
        for (cell, value) in zip(cells, values) {
            #expect(!CSVWriter.formulaStarts.contains(cell.unicodeScalars.first ?? "x"), "\(cell) reaches a spreadsheet as a formula")
            // The import trims surrounding white space; the rest comes back exactly.
            #expect(ImportValue.clean(cell) == value.trimmingCharacters(in: .whitespacesAndNewlines), "\(value)")
        }
    }

    @Test("exports page through thousands of rows without losing or repeating one")
    func keysetPages() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO organizations (tenant_id, account_number, name)
                SELECT \(tx.tenant), 'K-' || lpad(n::text, 5, '0'), 'Org ' || n FROM generate_series(1, 2500) AS n
                """)
            try await tx.execute(
                """
                INSERT INTO equipment (tenant_id, organization_id, model)
                SELECT o.tenant_id, o.id, 'Model ' || m FROM organizations o CROSS JOIN generate_series(1, 2) AS m
                 WHERE o.account_number <= 'K-01200'
                """)
            try await tx.execute(
                """
                INSERT INTO customers (tenant_id, organization_id, name, email)
                SELECT o.tenant_id, o.id, 'Person ' || o.account_number, lower(o.account_number) || '@keyset.example' FROM organizations o
                """)
            try await tx.execute(
                """
                INSERT INTO work_orders (tenant_id, number, organization_id, title)
                SELECT o.tenant_id, 1000 + row_number() OVER (ORDER BY o.account_number), o.id, 'Job ' || o.account_number
                  FROM organizations o WHERE o.account_number <= 'K-01500'
                """)
            try await tx.execute(
                """
                INSERT INTO work_order_changes (tenant_id, work_order_id, field, new_value, actor_kind)
                SELECT w.tenant_id, w.id, 'status', 'draft', 'system' FROM work_orders w
                """)
            // Many appointments share a start time: the keyset must still separate them.
            try await tx.execute(
                """
                INSERT INTO appointments (tenant_id, organization_id, starts_at, ends_at)
                SELECT o.tenant_id, o.id, timestamptz '2025-01-01 09:00:00+00' + (substr(o.account_number, 3)::int % 3) * interval '1 hour',
                       timestamptz '2025-01-01 12:00:00+00' + (substr(o.account_number, 3)::int % 3) * interval '1 hour'
                  FROM organizations o WHERE o.account_number <= 'K-02100'
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = try await CSVTesting.admin(app, tenant)
            let expectations: [(CSVExport, Int, Int)] = [
                (.organizations, 3700, 0), (.customers, 2500, 7), (.workOrders, 1500, 0), (.workOrderHistory, 1500, 0), (.appointments, 2100, 11),
            ]
            for (export, rows, uniqueColumn) in expectations {
                let (_, parsed) = try CSVTesting.parse(try await admin.get(export.path).body)
                #expect(parsed.count == rows, "\(export.kind)")
                if export.kind != "organizations" && export.kind != "work-order-history" {
                    #expect(Set(parsed.map { $0[uniqueColumn] }).count == rows, "\(export.kind) repeats a row")
                }
            }
            let (_, organizations) = try CSVTesting.parse(try await admin.get("/admin/export/organizations.csv").body)
            #expect(Set(organizations.map { $0[0] }).count == 2500)
            #expect(Set(organizations.map { "\($0[0])|\($0[7])" }).count == 3700)
        }
    }
}
