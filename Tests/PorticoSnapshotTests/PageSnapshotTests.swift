import Foundation
import Portico
import PorticoTestSupport
import SnapshotTesting
import Testing

/// Golden HTML of the pages, rendered through the real application (routing, middleware,
/// data loading, templates) for two tenants of different brandings and themes. A change to a
/// template, a view model or the data a page loads shows up as a failing test and, once
/// re-recorded on purpose, as a reviewable diff of the committed files under __Snapshots__.
@Suite("Golden page snapshots")
struct PageSnapshotTests {
    @Test("portal, console, status and error pages render exactly as recorded", arguments: SnapshotBrand.all)
    func pages(brand: SnapshotBrand) async throws {
        let world = try await SnapshotWorld.seed(brand)
        let scrubber = Scrubber(names: [(world.tenant.slug, "{tenant}")])
        try await TestApp.with { (app: TestApp) async throws in
            func expect(
                _ response: HTTPTestResponse, _ name: String, fileID: StaticString = #fileID, filePath: StaticString = #filePath,
                line: UInt = #line, column: UInt = #column
            ) {
                let page = "HTTP \(response.status.code)\n\n" + scrubber.scrub(response.body)
                assertSnapshot(of: page, as: .lines, named: name, fileID: fileID, file: filePath, testName: brand.key, line: line, column: column)
            }

            // Signed out.
            let visitor = Browser(app: app, host: world.tenant.host, peer: brand.peer)
            expect(try await visitor.get("/portal/login"), "portal-login")
            expect(try await visitor.get("/portal/register"), "portal-register")
            expect(try await visitor.get("/portal/forgot-password"), "portal-forgot-password")
            expect(try await visitor.get("/status"), "status")
            expect(try await visitor.get("/admin/login"), "console-login")

            // The subscriber.
            let subscriber = Browser(app: app, host: world.tenant.host, peer: brand.peer)
            try await subscriber.signInCustomer(SnapshotWorld.subscriberEmail)
            expect(try await subscriber.get("/portal"), "portal-dashboard")
            expect(try await subscriber.get("/portal/work-orders"), "portal-work-orders")
            expect(try await subscriber.get("/portal/work-orders/\(world.activeOrder.number)"), "portal-work-order-active")
            expect(try await subscriber.get("/portal/work-orders/\(world.doneOrder.number)"), "portal-work-order-completed")
            expect(try await subscriber.get("/portal/work-orders/\(world.activeOrder.number)/history"), "portal-work-order-history")
            expect(try await subscriber.get("/portal/work-orders/new"), "portal-work-order-new")
            expect(try await subscriber.get("/portal/appointments"), "portal-appointments")
            expect(try await subscriber.get("/portal/appointments/\(world.appointment.id.uuidString.lowercased())"), "portal-appointment")
            expect(try await subscriber.get("/portal/tasks"), "portal-tasks")
            expect(try await subscriber.get("/portal/notes"), "portal-notes")
            expect(try await subscriber.get("/portal/service"), "portal-service")
            expect(try await subscriber.get("/portal/support"), "portal-support")
            expect(try await subscriber.get("/portal/profile"), "portal-profile")
            expect(try await subscriber.get("/portal/work-orders/999999"), "error-not-found")

            // Staff (an admin sees every console page).
            let staff = Browser(app: app, host: world.tenant.host, peer: brand.peer)
            try await staff.signInStaff(SnapshotWorld.adminEmail)
            let organization = world.organization.id.uuidString.lowercased()
            expect(try await staff.get("/admin"), "console-command-centre")
            expect(try await staff.get("/admin/work-orders"), "console-work-orders")
            expect(try await staff.get("/admin/work-orders/\(world.activeOrder.number)"), "console-work-order-active")
            expect(try await staff.get("/admin/work-orders/new"), "console-work-order-new")
            expect(try await staff.get("/admin/customers"), "console-subscribers")
            expect(try await staff.get("/admin/customers/\(organization)"), "console-subscriber")
            expect(try await staff.get("/admin/appointments?view=week&date=2031-03-03"), "console-appointments")
            expect(try await staff.get("/admin/appointments/\(world.appointment.id.uuidString.lowercased())"), "console-appointment")
            expect(try await staff.get("/admin/tasks"), "console-tasks")
            expect(try await staff.get("/admin/settings"), "console-settings")
            expect(try await staff.get("/admin/settings/categories"), "console-settings-categories")
            expect(try await staff.get("/admin/settings/security"), "console-settings-security")
            expect(try await staff.get("/admin/branding"), "console-branding")
            expect(try await staff.get("/admin/staff"), "console-staff")
            expect(try await staff.get("/admin/work-orders/999999"), "console-error-not-found")
        }
    }

    @Test("pages outside any tenant: the neutral page of an unknown host")
    func platformPages() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let response = try await app.get("/portal", host: "no-such-tenant.localhost")
            assertSnapshot(of: "HTTP \(response.status.code)\n\n" + Scrubber().scrub(response.body), as: .lines, named: "unknown-host")
        }
    }
}
