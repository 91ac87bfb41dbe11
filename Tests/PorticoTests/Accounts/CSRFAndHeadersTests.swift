import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Testing

@Suite("CSRF defence and security headers")
struct CSRFAndHeadersTests {
    @Test("a form post without a token, with a wrong token, from another origin or from a sibling subdomain is refused with 403")
    func csrfRefusals() async throws {
        let tenant = try await TestTenant.create()
        let sibling = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            try await browser.signInCustomer(customer.email)
            try await browser.get("/portal")
            let fields = ["csrf_token": browser.csrfToken ?? ""]

            let missing = try await browser.post("/portal/logout", [:], includeCSRF: false)
            #expect(missing.status == .forbidden)
            #expect(missing.body.contains("security token is missing"))
            #expect(missing.body.contains("reload the page"))

            let wrong = try await browser.post("/portal/logout", ["csrf_token": "x" + (browser.csrfToken ?? "")])
            #expect(wrong.status == .forbidden)

            let crossOrigin = try await browser.post("/portal/logout", fields, headers: [.origin: "https://evil.example"])
            #expect(crossOrigin.status == .forbidden)

            let siblingOrigin = try await browser.post("/portal/logout", fields, headers: [.origin: "http://\(sibling.host)"])
            #expect(siblingOrigin.status == .forbidden)

            // `Origin: null` is what a sandboxed frame on any site sends: refused unless the
            // browser also says the request is same-origin.
            for site in ["cross-site", "same-site", "none"] {
                let opaque = try await browser.post(
                    "/portal/logout", fields,
                    headers: [
                        .origin: "null", HTTPField.Name("Sec-Fetch-Site")!: site,
                    ])
                #expect(opaque.status == .forbidden, "Origin: null with Sec-Fetch-Site: \(site)")
            }

            let sameSite = try await browser.post("/portal/logout", fields, headers: [HTTPField.Name("Sec-Fetch-Site")!: "same-site"])
            #expect(sameSite.status == .forbidden)
            let crossSite = try await browser.post("/portal/logout", fields, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)

            // Still signed in after all of that…
            #expect(try await browser.get("/portal").status == .ok)
            // …and the genuine form works, also from a page with a strict referrer policy
            // (Chromium: `Origin: null` with `Sec-Fetch-Site: same-origin`).
            #expect(
                try await browser.post(
                    "/portal/logout", fields,
                    headers: [
                        .origin: "null", HTTPField.Name("Sec-Fetch-Site")!: "same-origin",
                    ]
                ).status == .seeOther)
            #expect(try await browser.get("/portal").status == .seeOther)
        }
    }

    @Test("the sign-in form itself needs the anonymous CSRF token")
    func anonymousFormsAreProtected() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let noPage = try await browser.post("/portal/login", ["identifier": customer.email, "password": TestPasswords.password])
            #expect(noPage.status == .forbidden)
            #expect(browser.cookie("portico_session") == nil)
        }
    }

    @Test("HTML, JSON and error responses all carry the security headers")
    func securityHeaders() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let responses = [
                try await app.get("/portal/login", host: tenant.host),  // HTML page
                try await app.get("/no/such/page", host: tenant.host),  // branded 404
                try await app.get("/portal", host: "unknown-host.localhost"),  // neutral 404
                try await app.get("/api/v1/nothing-here", host: tenant.host),  // JSON error
                try await app.get("/healthz", host: tenant.host),  // plain text
                try await app.get("/portal", host: "bad host"),  // 400
            ]
            for response in responses {
                let csp = try #require(response.header("Content-Security-Policy"), "no CSP on a \(response.status) response")
                #expect(csp.contains("object-src 'none'"))
                #expect(csp.contains("base-uri 'none'"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(csp.contains("script-src 'self'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(response.header("X-Content-Type-Options") == "nosniff")
                #expect(response.header("Referrer-Policy") != nil)
                #expect(response.header("Strict-Transport-Security") == nil)  // http
            }
            let json = responses[3]
            #expect(json.status == .notFound)
            #expect(json.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(json.body.contains("\"code\":\"not_found\""))
            #expect(!responses[1].body.contains("Error:"))
        }
    }

    @Test("no page has an inline script")
    func noInlineScripts() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            for path in ["/", "/portal/login", "/portal/register", "/portal/forgot-password", "/admin/login"] {
                let body = try await app.get(path, host: tenant.host).body
                let scripts = body.components(separatedBy: "<script").dropFirst()
                for script in scripts {
                    #expect(script.hasPrefix(" src=\"/static/"), "inline script on \(path)")
                }
            }
        }
    }
}
