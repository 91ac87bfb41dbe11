import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Portal: installation history on the service page")
struct InstallationHistoryTests {
    @Test(
        "equipment install dates and completed install work orders, newest first; repairs, open installs and other accounts' installs are not listed")
    func history() async throws {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Ivy Install")
        let (neighbour, _) = try await tenant.signInableSubscriber(name: "Ned Neighbour")
        let staff = try await tenant.staff(role: .agent)
        let actor = Actor(kind: .staff, id: staff.id, name: staff.displayName)
        func order(_ organization: Organization, _ title: String, category: String, completed: Bool) async throws {
            try await tenant.transaction { tx in
                let created = try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(
                        organizationId: organization.id, title: title, category: category, status: .submitted), by: actor, in: tx)
                if completed {
                    _ = try await Repositories.postgres.workOrders.update(
                        created, changes: [.init(.status, "completed"), .init(.progress, "100")],
                        expectedVersion: created.version, by: actor, reason: "", in: tx)
                }
            }
        }
        try await tenant.transaction { tx in
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(
                    model: "LiteBeam 5AC", serial: "SN-OLD", mac: "00:27:22:aa:bb:01",
                    installedOn: "2023-04-02"), to: organization.id, in: tx)
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(model: "Spare router", serial: "", mac: "", installedOn: nil),
                to: organization.id, in: tx)
            _ = try await Repositories.postgres.organizations.addEquipment(
                NewEquipment(
                    model: "Neighbour dish", serial: "SN-N", mac: "",
                    installedOn: "2023-05-05"), to: neighbour.id, in: tx)
        }
        try await order(organization, "Mount the new antenna", category: "Installation", completed: true)
        try await order(organization, "Fix the cable", category: "Repair", completed: true)
        try await order(organization, "Install a repeater", category: "Repeater install", completed: false)
        try await order(neighbour, "Neighbour's install", category: "Installation", completed: true)

        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            let page = try await browser.get("/portal/service")
            #expect(page.status == .ok)
            let start = try #require(page.body.range(of: "<ol class=\"timeline installs\">"))
            let section = page.body[start.upperBound...].components(separatedBy: "</ol>")[0]
            let entries = section.components(separatedBy: "<li>").dropFirst()
            #expect(entries.count == 2, "\(section)")
            #expect(
                entries.first?.contains("href=\"/portal/work-orders/1001\">#1001 Mount the new antenna</a>") == true,
                "the work order, completed today, first")
            #expect(entries.first?.contains("Installation completed") == true)
            #expect(entries.last?.contains("Sun 2 Apr 2023") == true)
            #expect(entries.last?.contains("LiteBeam 5AC installed") == true)
            #expect(entries.last?.contains("serial SN-OLD · MAC 00:27:22:aa:bb:01") == true)
            for absent in ["Fix the cable", "Install a repeater", "Neighbour", "Spare router installed"] {
                #expect(!section.contains(absent), "\(absent) is not an installation of this account")
            }
        }
    }

    @Test("without any, the page says so")
    func empty() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            #expect(try await browser.get("/portal/service").body.contains("No completed installations yet."))
        }
    }
}
