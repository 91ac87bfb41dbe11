import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

@Suite("/favicon.ico on every host")
struct FaviconTests {
    @Test("a tenant without a favicon gets the neutral one; after an upload, its own; the operator host gets the neutral one")
    func tenantAndOperator() async throws {
        let tenant = try await TestTenant.create(name: "Icon Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let neutral = try await app.get("/favicon.ico", host: tenant.host)
            #expect(neutral.status == .ok)
            #expect(neutral.header("Content-Type") == "image/x-icon")
            #expect(Array(neutral.bytes.prefix(4)) == [0x00, 0x00, 0x01, 0x00], "an ICO file")
            #expect(neutral.header("Set-Cookie") == nil, "no session or CSRF cookie for an icon")
            let etag = try #require(neutral.header("ETag"))
            #expect(try await app.get("/favicon.ico", host: tenant.host, headers: [.ifNoneMatch: etag]).status == .notModified)

            let operatorIcon = try await app.get("/favicon.ico", host: "operator.localhost")
            #expect(operatorIcon.status == .ok)
            #expect(operatorIcon.bytes == neutral.bytes)

            let admin = try await tenant.staff(role: .admin)
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/branding")
            #expect(
                try await console.upload(
                    "/admin/branding/favicon", fileName: "favicon.ico", contentType: "image/x-icon",
                    file: BrandAssetTests.icon
                ).status == .seeOther)
            let own = try await app.get("/favicon.ico", host: tenant.host)
            #expect(own.status == .ok)
            #expect(own.bytes == BrandAssetTests.icon)
            #expect(own.header("Content-Type") == "image/x-icon")
            #expect(own.header("Cache-Control") == "public, max-age=300")
            #expect(own.header("X-Content-Type-Options") == "nosniff")
            // Another tenant's host still gets the neutral one.
            let other = try await TestTenant.create()
            #expect(try await app.get("/favicon.ico", host: other.host).bytes == neutral.bytes)
        }
    }

    @Test("an unknown host and a suspended tenant's host answer as for any other path: a page that names no tenant")
    func unknownAndSuspended() async throws {
        let tenant = try await TestTenant.create(name: "Hidden Wireless")
        try await TestApp.with { (app: TestApp) async throws in
            let unknown = try await app.get("/favicon.ico", host: "nobody-\(UUID().uuidString.prefix(6).lowercased()).localhost")
            #expect(unknown.status == .notFound)
            #expect(unknown.header("Content-Type")?.hasPrefix("text/html") == true)
            let elsewhere = try await app.get("/no-such-page", host: "nobody-else.localhost")
            #expect(unknown.body == elsewhere.body, "the same neutral 404 as any unknown host")

            try await TestCluster.database().appPool.query("UPDATE tenants SET status = 'suspended' WHERE id = \(tenant.id)")
            try await eventually { try await app.get("/favicon.ico", host: tenant.host).status == .serviceUnavailable }
            #expect(!(try await app.get("/favicon.ico", host: tenant.host)).body.contains("Hidden Wireless"))
        }
    }
}
