import Foundation
import Portico
import PorticoTestSupport
import Testing

@Suite("Email templates")
struct EmailTemplateTests {
    @Test("every notification kind renders in every theme: a subject, a branded HTML part, an unescaped text part, links on the primary domain")
    func everyKindRenders() async throws {
        let tenant = try await TestTenant.create(name: "Templates <&> Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else {
                Issue.record("no tenant"); return
            }
            let composer = EmailComposer(renderer: app.dependencies.renderer)
            let values: [String: any Sendable] = [
                "actionUrl": resolved.url("/portal/x?y=1&z=2"), "actionLabel": "Open", "number": 1042, "title": "Fix <dish> & cable",
                "status": "in progress", "reason": "Needs a ladder & a permit", "progress": 40, "eta": "Tue 4 Jun 2024", "author": "Avery Agent",
                "comment": "We'll be there at 9 & bring parts.", "kind": "repair", "when": "Tue 4 Jun 2024, 09:00–12:00 UTC", "address": "1 Ridge Rd",
                "technician": "Terry", "note": "Gate code 1234", "due": "2024-06-04", "details": "Unlock the hatch", "role": "Agent",
                "newEmail": "new@example.net", "subjectLine": "A notice", "message": "Something happened",
            ]
            for theme in app.dependencies.renderer.themes.themeNames {
                let themed = ResolvedTenant(id: resolved.id, slug: resolved.slug, name: resolved.name, status: resolved.status, theme: theme,
                                            branding: resolved.branding, publicOrigin: resolved.publicOrigin)
                for kind in NotificationKind.allCases {
                    let email = try composer.compose(kind, tenant: themed, recipientName: "Zoë", values: values)
                    #expect(!email.subject.isEmpty, "\(kind) in \(theme)")
                    #expect(!email.subject.contains("{{"), "\(kind) in \(theme)")
                    #expect(email.text.contains("Zoë"), "\(kind) text greets the recipient")
                    #expect(!email.text.contains("&amp;") && !email.text.contains("&lt;"), "\(kind) text is not HTML-escaped")
                    #expect(email.html.contains("Templates &lt;&amp;&gt; Wireless"), "\(kind) HTML is branded and escaped")
                    #expect(!email.html.contains("<dish>"), "\(kind) HTML escapes values")
                    #expect(email.text.contains("Portal: http://\(tenant.host):8080/portal"), "\(kind) footer links to the portal")
                }
            }
        }
    }
}
