import Foundation
import Portico
import PorticoTestSupport
import SnapshotTesting
import Testing

/// Golden text and HTML of every email kind, for the same two brandings as the pages, with
/// the values the senders pass (fixed here so the output is the same on every run).
@Suite("Golden email snapshots")
struct EmailSnapshotTests {
    @Test("every email kind, text and HTML, renders exactly as recorded", arguments: SnapshotBrand.all)
    func emails(brand: SnapshotBrand) async throws {
        let world = try await SnapshotWorld.seed(brand)
        let scrubber = Scrubber(names: [(world.tenant.slug, "{tenant}")])
        try await TestApp.with { (app: TestApp) async throws in
            guard case .tenant(let tenant) = try await app.dependencies.directory.resolve(host: world.tenant.host) else {
                Issue.record("the tenant does not resolve"); return
            }
            let composer = EmailComposer(renderer: app.dependencies.renderer)
            for kind in NotificationKind.allCases {
                var values: [String: any Sendable] = [
                    "actionUrl": tenant.url("/portal/work-orders/1042?y=1&z=2"), "number": 1042, "title": "Fix <the dish> & cable",
                    "status": "in progress", "reason": "Needs a ladder & a permit", "progress": 40, "eta": "Tue 4 Mar 2031",
                    "author": "Avery Agent", "comment": "We'll be there at 9 & bring parts.", "kind": "repair",
                    "when": "Tue 4 Mar 2031, 09:00–12:00 CST", "day": "tomorrow", "address": "127 Ridge Road", "technician": "Terry Technician",
                    "note": "Gate code 4471", "due": "2031-03-03", "details": "Unlock the hatch", "role": "Agent",
                    "newEmail": "new@example.net", "subjectLine": "Outbox backlog", "message": "Three emails are waiting.",
                ]
                if NotificationPreferences.group(of: kind) != nil {
                    values["unsubscribeUrl"] = tenant.url("/portal/unsubscribe/c/work_orders/key")
                }
                let email = try composer.compose(kind, tenant: tenant, recipientName: "Dana Whitfield", values: values)
                let text = "Subject: \(email.subject)\n\n\(email.text)\n\n==== HTML ====\n\n\(email.html)"
                assertSnapshot(of: scrubber.scrub(text), as: .lines, named: kind.rawValue, testName: brand.key)
            }
        }
    }
}
