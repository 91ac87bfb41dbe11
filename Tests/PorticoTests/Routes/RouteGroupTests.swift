import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Testing

/// Error pages, JSON errors, sign-in redirects and site resolution belong to route groups,
/// not to checks of the URL path; these are the cases where no real route matched, which
/// only the unmatched-route claims (`UnmatchedRoutes`) keep inside the right group.
@Suite("Route groups answer for their surface")
struct RouteGroupTests {
    @Test(
        "a page address answers the tenant's branded page for an unknown path or a method it does not take, and sends a signed-out visitor to sign in"
    )
    func pagesAnswerWithPages() async throws {
        let tenant = try await TestTenant.create(name: "Groupwise Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            for (method, path) in [
                (HTTPRequest.Method.get, "/portal/no-such-page"), (.get, "/portal/work-orders/1/no-such-part"),
                (.delete, "/portal"), (.put, "/admin/customers"), (.get, "/no-such-area/at-all"),
            ] {
                let response = try await app.request(method, path, host: tenant.host)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.header("Content-Type")?.hasPrefix("text/html") == true, "\(method) \(path)")
                #expect(response.body.contains("Page not found") && response.body.contains("Groupwise Wireless"), "\(method) \(path)")
            }
            let signedOut = try await app.get("/portal/work-orders", host: tenant.host)
            #expect(signedOut.status == .seeOther)
            #expect(signedOut.header("Location") == "/portal/login?next=/portal/work-orders")
        }
    }

    @Test(
        "an API address answers the JSON error shape for an unknown path, a deeper unknown path, a method it does not take and a missing token: never a page, never a redirect"
    )
    func apiAnswersWithJSON() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let client = APIClient(app: app, host: tenant.host)
            let cases: [(HTTPRequest.Method, String, HTTPResponse.Status, String)] = [
                (.get, "/api/v1/no-such-thing", .notFound, "not_found"),
                (.get, "/api/v1/work-orders/1/no-such-part", .notFound, "not_found"),
                (.delete, "/api/v1/me", .notFound, "not_found"),
                (.post, "/api/v2/anything", .notFound, "not_found"),
                (.get, "/api/v1/me", .unauthorized, "missing_credentials"),
            ]
            for (method, path, status, code) in cases {
                let response = try await client.send(method, path)
                #expect(response.status == status, "\(method) \(path)")
                #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(method) \(path)")
                #expect(response.errorCode == code, "\(method) \(path): \(response)")
                #expect(response.header("Location") == nil)
            }
        }
    }

    @Test("unknown hosts get the neutral 404 for any path and method; health checks answer without a host")
    func siteResolutionAndHealth() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            for (method, path) in [(HTTPRequest.Method.get, "/portal"), (.post, "/no-such-area"), (.get, "/api/v1/openapi.json")] {
                let response = try await app.request(method, path, host: "nobody-\(UUID().uuidString.prefix(6)).localhost")
                #expect(response.status == .notFound, "\(method) \(path)")
            }
            #expect(try await app.get("/healthz", host: nil).body == "ok\n")
        }
    }

    @Test(
        "a method no route takes (TRACE, CONNECT, QUERY, PROPFIND, an invented one) gets 405 with Allow and the security headers on every host and surface, and the access log says 405, not 500"
    )
    func unsupportedMethods() async throws {
        let tenant = try await TestTenant.create()
        let capture = LogCapture()
        try await TestApp.with(logger: capture.logger("app")) { (app: TestApp) async throws in
            let methods = ["TRACE", "CONNECT", "QUERY", "PROPFIND", "BREW"].map { HTTPRequest.Method($0)! }
            let targets: [(String?, String)] = [
                (tenant.host, "/portal"), (tenant.host, "/api/v1/work-orders"), (tenant.host, "/no/such/page"),
                ("nobody.localhost", "/portal"), (nil, "/healthz"),
            ]
            for method in methods {
                for (host, path) in targets {
                    let before = capture.accessLines.count
                    let response = try await app.request(method, path, host: host)
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.header("Allow") == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", "\(method) \(path)")
                    #expect(response.body.contains("does not support the \(method.rawValue) method"), "\(method) \(path)")
                    #expect(response.header("X-Content-Type-Options") == "nosniff", "\(method) \(path)")
                    let lines = capture.accessLines.dropFirst(before)
                    #expect(lines.map { $0.metadata["status"] } == ["405"], "\(method) \(path)")
                }
            }
            // The methods the routes take are untouched by it.
            #expect(try await app.get("/healthz", host: nil).status == .ok)
            #expect(try await app.request(.delete, "/portal", host: tenant.host).status == .notFound)
        }
    }
}
