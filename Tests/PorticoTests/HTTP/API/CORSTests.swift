import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// CORS on `/api/v1`: off by default, per tenant for the origins an admin lists, and never
/// for another tenant's origins. Preflights are answered before routing, so they are sent
/// with `TestApp.request` (no `OPTIONS` operation is documented); actual requests go through
/// `APIClient`, which checks them against the document.
@Suite("API: CORS")
struct CORSTests {
    static let app1 = "https://app.example.com"
    static let app2 = "https://other.example.net"

    func preflight(
        _ app: TestApp, _ host: String, origin: String?, path: String = "/api/v1/openapi.json",
        method: String = "POST"
    ) async throws -> HTTPTestResponse {
        var headers: HTTPFields = [.accessControlRequestMethod: method, .accessControlRequestHeaders: "authorization, content-type"]
        if let origin { headers[.origin] = origin }
        return try await app.request(.options, path, host: host, headers: headers)
    }

    func admin(_ app: TestApp, _ tenant: TestTenant) async throws -> Browser {
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let console = Browser(app: app, host: tenant.host)
        try await console.signInStaff(admin.email)
        return console
    }

    func stored(_ tenant: TestTenant) async throws -> [String] {
        try await tenant.transaction { tx in try await tx.scalar("SELECT api_cors_origins FROM tenant_settings", as: [String].self) } ?? []
    }

    func audits(_ tenant: TestTenant) async throws -> Int {
        try await tenant.transaction { tx in
            try await tx.scalar("SELECT count(*)::int FROM audit_events WHERE action = 'settings.api_cors_changed'", as: Int.self)
        } ?? -1
    }

    static func hasNoCORSHeaders(_ headers: HTTPFields) -> Bool {
        headers[.accessControlAllowOrigin] == nil && headers[.accessControlAllowMethods] == nil
            && headers[.accessControlAllowHeaders] == nil && headers[.accessControlExposeHeaders] == nil
            && headers[.accessControlAllowCredentials] == nil
    }

    @Test("off by default: no CORS headers on responses, and a preflight is a 403 in the API's error shape")
    func offByDefault() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let response = try await client.get("/api/v1/openapi.json", headers: [.origin: Self.app1])
            #expect(response.status == .ok)
            #expect(Self.hasNoCORSHeaders(response.headers))
            #expect(response.header("Vary")?.contains("Origin") == true, "answers differ by Origin, so caches must keep them apart")

            let refused = try await preflight(app, tenant.host, origin: Self.app1)
            #expect(refused.status == .forbidden)
            #expect(refused.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(refused.body.contains("\"code\":\"cors_origin_not_allowed\""))
            #expect(Self.hasNoCORSHeaders(refused.headers))

            // No Origin at all: not a browser preflight we answer either.
            let bare = try await preflight(app, tenant.host, origin: nil)
            #expect(bare.status == .forbidden)
            #expect(Self.hasNoCORSHeaders(bare.headers))
        }
    }

    @Test(
        "a listed origin: preflight 204 with methods, headers and max-age; actual responses, errors included, name the origin and expose ETag, Location, Retry-After"
    )
    func listedOrigin() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            try await console.get("/admin/settings/api-access")
            let saved = try await console.post("/admin/settings/api-access", ["origins": "\(Self.app1)\nhttp://localhost:5173"])
            #expect(saved.status == .seeOther || saved.status == .found)
            #expect(try await stored(tenant) == [Self.app1, "http://localhost:5173"])

            let ok = try await preflight(app, tenant.host, origin: Self.app1, path: "/api/v1/work-orders/1042", method: "PATCH")
            #expect(ok.status == .noContent)
            #expect(ok.header("Access-Control-Allow-Origin") == Self.app1)
            let methods = try #require(ok.header("Access-Control-Allow-Methods"))
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] { #expect(methods.contains(method)) }
            let allowed = try #require(ok.header("Access-Control-Allow-Headers")).lowercased()
            for header in ["authorization", "content-type", "if-match"] { #expect(allowed.contains(header)) }
            #expect(Int(ok.header("Access-Control-Max-Age") ?? "") ?? 0 > 0)
            #expect(ok.header("Vary")?.contains("Origin") == true)
            #expect(ok.header("Access-Control-Allow-Credentials") == nil, "bearer tokens, never cookies")
            #expect(ok.body.isEmpty)

            // The development origin, on a path the router does not know: preflights never reach routing.
            let local = try await preflight(app, tenant.host, origin: "http://localhost:5173", path: "/api/v1/anything/at/all")
            #expect(local.status == .noContent)
            #expect(local.header("Access-Control-Allow-Origin") == "http://localhost:5173")

            let client = APIClient(app: app, host: tenant.host)
            let document = try await client.get("/api/v1/openapi.json", headers: [.origin: Self.app1])
            #expect(document.status == .ok)
            #expect(document.header("Access-Control-Allow-Origin") == Self.app1)
            #expect(document.header("Vary")?.contains("Origin") == true)
            let exposed = try #require(document.header("Access-Control-Expose-Headers"))
            for header in ["ETag", "Location", "Retry-After"] { #expect(exposed.contains(header)) }
            #expect(document.header("Access-Control-Allow-Credentials") == nil)

            // Errors carry the headers too, or the browser app could not read the error body.
            let missing = try await client.get("/api/v1/no-such-thing", headers: [.origin: Self.app1])
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(missing.header("Access-Control-Allow-Origin") == Self.app1)
            #expect(missing.header("Access-Control-Expose-Headers") != nil)

            // Pages are not the API: no CORS there, whatever the list says.
            let page = try await app.request(.get, "/portal/login", host: tenant.host, headers: [.origin: Self.app1])
            #expect(page.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("an origin that is not listed, or listed by another tenant only, gets no CORS headers and a refused preflight")
    func otherOrigins() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            try await console.get("/admin/settings/api-access")
            try await console.post("/admin/settings/api-access", ["origins": Self.app1])
            let otherConsole = try await admin(app, other)
            try await otherConsole.get("/admin/settings/api-access")
            try await otherConsole.post("/admin/settings/api-access", ["origins": Self.app2])
            #expect(try await stored(other) == [Self.app2])

            // app2 is listed by the other tenant only.
            let refused = try await preflight(app, tenant.host, origin: Self.app2)
            #expect(refused.status == .forbidden)
            #expect(Self.hasNoCORSHeaders(refused.headers))
            let actual = try await APIClient(app: app, host: tenant.host).get("/api/v1/openapi.json", headers: [.origin: Self.app2])
            #expect(actual.status == .ok)
            #expect(Self.hasNoCORSHeaders(actual.headers))
            // …and app1 is not allowed on the other tenant's host.
            #expect(try await preflight(app, other.host, origin: Self.app1).status == .forbidden)
            #expect(try await preflight(app, other.host, origin: Self.app2).status == .noContent)

            // Near misses are different origins: another scheme, port or subdomain, a trailing path, `null`.
            for origin in [
                "http://app.example.com", "https://app.example.com:8443", "https://evil.app.example.com",
                "https://app.example.com.evil.net", "null", "https://app.example.com/",
            ] {
                let response = try await preflight(app, tenant.host, origin: origin)
                #expect(response.status == .forbidden, "\(origin)")
                #expect(Self.hasNoCORSHeaders(response.headers), "\(origin)")
            }
            // Browsers send origins in lower case; a listed one matches whatever its case.
            #expect(try await preflight(app, tenant.host, origin: "HTTPS://APP.EXAMPLE.COM").status == .noContent)
        }
    }

    @Test("settings: each bad origin is explained and nothing is saved; valid lists are normalised, saved and audited; clearing turns CORS off")
    func settingsValidation() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            #expect(try await console.get("/admin/settings").body.contains("/admin/settings/api-access"))
            let page = try await console.get("/admin/settings/api-access")
            #expect(page.status == .ok)
            #expect(page.body.contains("No origin is listed"))

            let bad: [(String, String)] = [
                ("*", "Wildcards are not allowed"),
                ("https://*.example.com", "Wildcards are not allowed"),
                ("app.example.com", "Start with https://"),
                ("ftp://app.example.com", "Only https://"),
                ("http://app.example.com", "Plain http:// is allowed only for localhost"),
                ("https://app.example.com/portal", "write https://app.example.com"),
                ("https://app.example.com/", "write https://app.example.com"),
                ("https://app.example.com?x=1", "no path, query or fragment"),
                ("https://user:pw@app.example.com", "no user name or password"),
                ("https://app.example.com:0", "The port must be a number from 1 to 65535"),
                ("https://app.example.com:99999", "The port must be a number from 1 to 65535"),
                ("https://app_example.com", "is not a valid host name"),
                ("https://192.0.2.10", "IP addresses are not allowed"),
                ("https://[::1]:8443", "IP address literals are not allowed"),
            ]
            for (entry, message) in bad {
                try await console.get("/admin/settings/api-access")
                let response = try await console.post("/admin/settings/api-access", ["origins": "https://good.example.com\n\(entry)"])
                #expect(response.status == .unprocessableContent, "\(entry)")
                #expect(response.body.contains(message), "\(entry): \(message)")
                #expect(response.body.contains("href=\"#field-origins\""), "\(entry)")
            }
            // Too many.
            let many = (1...21).map { "https://app\($0).example.com" }.joined(separator: "\n")
            try await console.get("/admin/settings/api-access")
            let tooMany = try await console.post("/admin/settings/api-access", ["origins": many])
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.body.contains("at most 20 origins"))
            #expect(tooMany.body.contains("https://app21.example.com"), "what was typed is kept")
            #expect(try await stored(tenant) == [])
            #expect(try await audits(tenant) == 0)

            // Valid: case and default ports normalised, duplicates dropped, blank lines ignored.
            try await console.get("/admin/settings/api-access")
            let saved = try await console.post(
                "/admin/settings/api-access",
                [
                    "origins":
                        "HTTPS://App.Example.com:443\r\n\r\nhttps://app.example.com\nhttps://dev.example.com:8443\nhttp://localhost:3000\nhttp://localhost"
                ])
            #expect(saved.status == .seeOther || saved.status == .found, "\(saved.status) \(saved.body.suffix(3000))")
            #expect(
                try await stored(tenant) == ["https://app.example.com", "https://dev.example.com:8443", "http://localhost:3000", "http://localhost"])
            #expect(try await audits(tenant) == 1)
            let details = try await tenant.transaction { tx in
                try await tx.scalar("SELECT details->>'added' FROM audit_events WHERE action = 'settings.api_cors_changed'", as: String.self)
            }
            #expect(details?.contains("https://dev.example.com:8443") == true)
            let shown = try await console.get("/admin/settings/api-access?done=saved").body
            #expect(shown.contains("https://dev.example.com:8443"))
            #expect(try await console.get("/admin/settings").body.contains("4 browser origin(s)"))
            #expect(try await preflight(app, tenant.host, origin: "https://dev.example.com:8443").status == .noContent)

            // Saving the same list again changes nothing and records nothing.
            try await console.get("/admin/settings/api-access")
            try await console.post(
                "/admin/settings/api-access",
                ["origins": "https://app.example.com\nhttps://dev.example.com:8443\nhttp://localhost:3000\nhttp://localhost"])
            #expect(try await audits(tenant) == 1)

            // Clearing the list turns CORS off again.
            try await console.get("/admin/settings/api-access")
            try await console.post("/admin/settings/api-access", ["origins": ""])
            #expect(try await stored(tenant) == [])
            #expect(try await audits(tenant) == 2)
            #expect(try await preflight(app, tenant.host, origin: "https://dev.example.com:8443").status == .forbidden)
        }
    }

    @Test("settings: only admins; agents and technicians are refused and change nothing; the CSRF token is required")
    func settingsRole() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            for role in [StaffRole.agent, .technician] {
                let staff = try await tenant.staff(role: role)
                let browser = Browser(app: app, host: tenant.host)
                try await browser.signInStaff(staff.email)
                #expect(try await browser.get("/admin/settings/api-access").status == .forbidden, "\(role)")
                try await browser.get("/admin/account")
                #expect(try await browser.post("/admin/settings/api-access", ["origins": Self.app1]).status == .forbidden, "\(role)")
            }
            let console = try await admin(app, tenant)
            try await console.get("/admin/settings/api-access")
            let forged = try await console.post("/admin/settings/api-access", ["origins": Self.app1], includeCSRF: false)
            #expect(forged.status == .forbidden)
            #expect(try await stored(tenant) == [])
            #expect(try await audits(tenant) == 0)
            // Signed out: the sign-in page, not the setting.
            let anonymous = try await app.request(.get, "/admin/settings/api-access", host: tenant.host)
            #expect(anonymous.status != .ok)
        }
    }
}
