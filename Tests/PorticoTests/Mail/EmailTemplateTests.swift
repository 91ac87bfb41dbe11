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
                let themed = ResolvedTenant(
                    id: resolved.id, slug: resolved.slug, name: resolved.name, status: resolved.status, theme: theme,
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

    /// The links of an HTML part as a reader sees them: the address and the visible text
    /// (tags stripped, an image's alt text counted).
    static func links(in html: String) -> [(href: String, text: String)] {
        html.matches(of: /<a\s[^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/.dotMatchesNewlines()).map { match in
            let inner = String(match.2)
            let alts = inner.matches(of: /alt="([^"]*)"/).map { String($0.1) }.joined(separator: " ")
            let text = inner.replacing(/<[^>]*>/, with: "").replacingOccurrences(of: "&nbsp;", with: " ") + " " + alts
            return (String(match.1).replacingOccurrences(of: "&amp;", with: "&"), text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// What a mail client shows of the text part's signature (after the "-- " line).
    static func signature(of text: String) -> String {
        text.components(separatedBy: "\n-- \n").last ?? ""
    }

    @Test(
        "every email kind for two differently branded tenants: each link and button has visible text, the text part carries the same links, the signature names the company once, SVG logos stay out"
    )
    func everyKindReadsWell() async throws {
        // Acme-like: an SVG logo and a footer text that already names the company.
        let svgTenant = try await TestTenant.create(name: "Ridge Wireless")
        try await svgTenant.transaction { tx in
            try await tx.execute(
                """
                UPDATE tenant_branding SET logo_url = '/static/default/demo/acme-logo.svg', footer_text = 'Ridge Wireless · Serving the valley since 2009',
                       support_email = 'help@ridge.example', support_phone = '+1 555 0100', color_primary = '#0b5d1e'
                """)
        }
        // Zenith-like: an uploaded PNG logo, another colour, a footer text without the name.
        let pngTenant = try await TestTenant.create(name: "Zenith Air")
        try await pngTenant.transaction { tx in
            try await tx.execute(
                """
                UPDATE tenant_branding SET logo_url = '/branding/logo?v=7', logo_key = 'pngLogoKey0123456789', logo_type = 'image/png',
                       footer_text = 'Fast rural internet', color_primary = '#5b21b6', support_email = NULL
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let composer = EmailComposer(renderer: app.dependencies.renderer)
            for tenant in [svgTenant, pngTenant] {
                guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else {
                    Issue.record("no tenant \(tenant.host)"); continue
                }
                let name = resolved.branding.companyName
                for kind in NotificationKind.allCases {
                    var values: [String: any Sendable] = [
                        "actionUrl": resolved.url("/portal/x?token=abc&y=1"), "number": 1042, "title": "Fix the dish", "status": "in progress",
                        "reason": "Needs a ladder", "progress": 40, "eta": "Tue 4 Jun 2024", "author": "Avery Agent", "comment": "On our way.",
                        "kind": "repair", "when": "Tue 4 Jun 2024, 09:00–12:00", "address": "1 Ridge Rd", "technician": "Terry", "note": "Gate code",
                        "due": "2024-06-04", "details": "Unlock the hatch", "role": "Agent", "newEmail": "new@example.net",
                        "subjectLine": "A notice", "message": "Something happened",
                    ]
                    if NotificationPreferences.group(of: kind) != nil {
                        values["unsubscribeUrl"] = resolved.url("/portal/unsubscribe/c/work_orders/key")
                    }
                    let email = try composer.compose(kind, tenant: resolved, recipientName: "Zoë", values: values)
                    let links = Self.links(in: email.html)
                    #expect(!links.isEmpty, "\(kind) for \(name)")
                    for link in links {
                        #expect(!link.text.isEmpty, "\(kind) for \(name): the link to \(link.href) has no visible text")
                        let inText = link.href.hasPrefix("mailto:") ? String(link.href.dropFirst("mailto:".count)) : link.href
                        #expect(email.text.contains(inText), "\(kind) for \(name): the text part lacks \(inText)")
                    }
                    if kind != .emailChangedNotice {
                        #expect(
                            links.contains { $0.href == resolved.url("/portal/x?token=abc&y=1") && $0.text == kind.actionLabel },
                            "\(kind) for \(name): no button labelled \(kind.actionLabel)")
                    }
                    if values["unsubscribeUrl"] != nil {
                        #expect(links.contains { $0.text == "Unsubscribe from these emails" }, "\(kind) for \(name): no unsubscribe link")
                    }
                    let signature = Self.signature(of: email.text)
                    #expect(
                        signature.components(separatedBy: name).count - 1 == 1,
                        "\(kind) for \(name): the signature names the company \(signature.components(separatedBy: name).count - 1) times:\n\(signature)"
                    )
                    if tenant.slug == svgTenant.slug {
                        #expect(!email.html.contains("<img"), "\(kind): an SVG logo in an email (Gmail and Outlook do not show SVG)")
                    } else {
                        #expect(email.html.contains("<img src=\"http://\(tenant.host):8080/branding/logo?v=7\""), "\(kind): the PNG logo is missing")
                    }
                    #expect(
                        email.html.contains(">\n\(name)\n") || email.html.contains(">\(name)\n") || email.html.contains("\(name)\n</td>"),
                        "\(kind): the header does not name the company")
                }
            }
        }
    }

    @Test("which logo an email may carry: PNG uploads and raster addresses, never SVG")
    func emailLogoRule() {
        var branding = Branding.defaults(companyName: "Logo Test")
        #expect(EmailComposer.emailLogoUrl(for: branding) == nil)
        branding.logoUrl = "/static/default/demo/acme-logo.svg"
        #expect(EmailComposer.emailLogoUrl(for: branding) == nil)
        branding.logoUrl = "https://cdn.example.net/logo.SVG?x=1"
        #expect(EmailComposer.emailLogoUrl(for: branding) == nil)
        branding.logoUrl = "https://cdn.example.net/logo.png?x=1"
        #expect(EmailComposer.emailLogoUrl(for: branding) == "https://cdn.example.net/logo.png?x=1")
        branding.logoUrl = "/branding/logo?v=3"
        branding.logoType = "image/svg+xml"
        #expect(EmailComposer.emailLogoUrl(for: branding) == nil)
        branding.logoType = "image/png"
        #expect(EmailComposer.emailLogoUrl(for: branding) == "/branding/logo?v=3")

        #expect(EmailComposer.signature(companyName: "Acme Wireless", footerText: "Acme Wireless · Since 2009") == "Acme Wireless · Since 2009")
        #expect(EmailComposer.signature(companyName: "Zenith Networks", footerText: "Zenith Networks LLC") == "Zenith Networks LLC")
        #expect(EmailComposer.signature(companyName: "Ridge", footerText: "Rural internet") == "Ridge · Rural internet")
        #expect(EmailComposer.signature(companyName: "Ridge", footerText: "  ") == "Ridge")
    }
}
