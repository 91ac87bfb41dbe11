import Foundation
import HTTPTypes
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("Staff: logo and favicon uploads")
struct BrandAssetTests {
    static let cleanSVG = Array(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 40 20">
          <defs><linearGradient id="g"><stop offset="0" stop-color="#0b5cab"/></linearGradient></defs>
          <style>.a { fill: url(#g); }</style>
          <rect class="a" width="40" height="20"/><use xlink:href="#g"/>
        </svg>
        """.utf8)

    static let icon: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x01, 0x00] + Array(repeating: 0x10, count: 60)

    func admin(_ app: TestApp, _ tenant: TestTenant) async throws -> Browser {
        let admin = try await tenant.staff(role: .admin)
        let console = Browser(app: app, host: tenant.host)
        try await console.signInStaff(admin.email)
        try await console.get("/admin/branding")
        return console
    }

    func stored(_ tenant: TestTenant) async throws -> (logoURL: String?, logoType: String?, faviconType: String?, version: Int) {
        try await tenant.transaction { tx in
            let row = try await tx.first("SELECT logo_url, logo_type, favicon_type, version FROM tenant_branding")!
            return (
                try row.decode("logo_url", as: String?.self), try row.decode("logo_type", as: String?.self),
                try row.decode("favicon_type", as: String?.self), try row.decode("version", as: Int.self)
            )
        }
    }

    @Test("a PNG logo and an ICO favicon show on every page of the tenant; removing the logo takes it away")
    func uploadAndServe() async throws {
        let tenant = try await TestTenant.create(name: "Logo Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            let png = SampleFile.png(size: 3000)
            let uploaded = try await console.upload("/admin/branding/logo", fileName: "logo.png", contentType: "image/png", file: png)
            #expect(uploaded.status == .seeOther)
            try await console.get("/admin/branding")
            #expect(
                try await console.upload("/admin/branding/favicon", fileName: "favicon.ico", contentType: "image/x-icon", file: Self.icon).status
                    == .seeOther)

            let state = try await stored(tenant)
            let logoURL = try #require(state.logoURL)
            #expect(logoURL.hasPrefix("/branding/logo?v="))
            #expect(state.logoType == "image/png" && state.faviconType == "image/x-icon")
            let home = try await app.get("/", host: tenant.host)
            #expect(home.body.contains("src=\"\(logoURL)\""))
            #expect(home.body.contains("rel=\"icon\" href=\"/branding/favicon?v="))

            let logo = try await app.get("/branding/logo", host: tenant.host)
            #expect(logo.status == .ok)
            #expect(logo.header("Content-Type") == "image/png")
            #expect(logo.header("Content-Length") == String(png.count))
            #expect(logo.header("X-Content-Type-Options") == "nosniff")
            #expect(try await app.get("/branding/favicon", host: tenant.host).header("Content-Type") == "image/x-icon")

            let audits = try await tenant.transaction { tx in
                try await tx.scalar(
                    "SELECT count(*)::int FROM audit_events WHERE action IN ('branding.logo_uploaded', 'branding.favicon_uploaded')", as: Int.self)
            }
            #expect(audits == 2)

            // Removing it through the branding form.
            try await console.get("/admin/branding")
            let form = BrandingEditorTests.form(version: state.version, ["remove_logo": "1", "company_name": "Logo Wireless"])
            #expect(try await console.post("/admin/branding", form).status == .seeOther)
            #expect(try await stored(tenant).logoURL == nil)
            #expect(try await app.get("/branding/logo", host: tenant.host).status == .notFound)
        }
    }

    @Test("an SVG logo is accepted when plain and always served sandboxed; scripts, handlers and outside references are refused")
    func svgRules() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            #expect(
                try await console.upload("/admin/branding/logo", fileName: "logo.svg", contentType: "image/svg+xml", file: Self.cleanSVG).status
                    == .seeOther)
            let served = try await app.get("/branding/logo", host: tenant.host)
            #expect(served.header("Content-Type") == "image/svg+xml")
            #expect(served.header("Content-Security-Policy")?.contains("sandbox") == true)
            #expect(served.body == String(decoding: Self.cleanSVG, as: UTF8.self))
            let version = try await stored(tenant).version

            let hostile: [(String, String)] = [
                ("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "contains a <script> element"),
                ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect/></svg>", "has an event handler (onload)"),
                (
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><image xlink:href=\"https://evil.example/x.png\"/></svg>",
                    "links to something outside the file"
                ),
                ("<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><p>hi</p></foreignObject></svg>", "contains a <foreignobject> element"),
                (
                    "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x \"y\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>",
                    "declares a DOCTYPE"
                ),
                (
                    "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(https://evil.example/a.css);</style></svg>",
                    "styles load something from outside"
                ),
                ("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg>", "not well-formed XML"),
            ]
            for (svg, reason) in hostile {
                try await console.get("/admin/branding")
                let refused = try await console.upload(
                    "/admin/branding/logo", fileName: "logo.svg", contentType: "image/svg+xml", file: Array(svg.utf8))
                #expect(refused.status == .unprocessableContent, "\(reason)")
                #expect(
                    refused.body.contains(reason.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")), "\(reason)"
                )
            }
            #expect(try await stored(tenant).version == version, "nothing changed")
            #expect(try await app.get("/branding/logo", host: tenant.host).body == String(decoding: Self.cleanSVG, as: UTF8.self))
        }
    }

    @Test("wrong types, renamed files, oversize files and a missing token are refused; nothing is stored")
    func refusals() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            let cases: [(String, [UInt8], String, HTTPResponse.Status)] = [
                ("logo.jpg", SampleFile.jpeg(), "is not an accepted file type", .unprocessableContent),
                ("logo.png", SampleFile.exe(), "is not a PNG file", .unprocessableContent),
                ("logo.svg", SampleFile.png(), "is not a SVG file", .unprocessableContent),
                ("favicon.ico", SampleFile.png(), "is not an accepted file type", .unprocessableContent),
                ("logo.png", SampleFile.png(size: 1_200_000), "1 MB", .contentTooLarge),
            ]
            for (name, bytes, message, status) in cases {
                try await console.get("/admin/branding")
                let refused = try await console.upload("/admin/branding/logo", fileName: name, contentType: "application/octet-stream", file: bytes)
                #expect(refused.status == status, "\(name)")
                #expect(refused.body.contains(message), "\(name): \(message)")
            }
            try await console.get("/admin/branding")
            let forged = try await console.upload(
                "/admin/branding/logo", fileName: "logo.png", contentType: "image/png", file: SampleFile.png(), includeCSRF: false)
            #expect(forged.status == .forbidden)
            #expect(try await stored(tenant).logoType == nil)
            #expect(AttachmentFixture.blobs(app, tenant).isEmpty, "no blob was left behind")
        }
    }

    @Test("only admins upload; another tenant's host never serves this tenant's logo")
    func accessAndIsolation() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let agent = try await tenant.staff(role: .agent)
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await admin(app, tenant)
            #expect(
                try await console.upload("/admin/branding/logo", fileName: "logo.png", contentType: "image/png", file: SampleFile.png()).status
                    == .seeOther)
            #expect(try await app.get("/branding/logo", host: tenant.host).status == .ok)
            #expect(try await app.get("/branding/logo", host: other.host).status == .notFound)

            let agentConsole = Browser(app: app, host: tenant.host)
            try await agentConsole.signInStaff(agent.email)
            try await agentConsole.get("/admin")
            #expect(
                try await agentConsole.upload("/admin/branding/favicon", fileName: "f.png", contentType: "image/png", file: SampleFile.png()).status
                    == .forbidden)
            let anonymous = Browser(app: app, host: tenant.host)
            let refused = try await anonymous.upload(
                "/admin/branding/favicon", fileName: "f.png", contentType: "image/png", file: SampleFile.png(), includeCSRF: false)
            #expect(refused.status != .seeOther || refused.header("Location")?.hasPrefix("/admin/login") == true)
            #expect(try await stored(tenant).faviconType == nil)
        }
    }
}
