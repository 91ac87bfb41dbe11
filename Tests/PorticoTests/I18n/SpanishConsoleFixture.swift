import Foundation
import Portico
import PorticoTestSupport

/// The console-language tests' starting point: Zenith Red (Spanish first, English offered) and
/// its admin Ana López, who chose Spanish on her account, signed in in a fresh browser.
enum SpanishConsoleFixture {
    static func withSignedInAdmin(_ body: (TestTenant, TestApp, Browser) async throws -> Void) async throws {
        let zenith = try await TestTenant.create(name: "Zenith Red")
        try await PortalLanguageTests.offer(zenith, ["es", "en"])
        let ana = try await zenith.staff(role: .admin, name: "Ana López")
        try await zenith.transaction { tx in try await tx.execute("UPDATE staff_users SET language = 'es' WHERE id = \(ana.id)") }
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: zenith.host)
            try await browser.signInStaff(ana.email)
            try await body(zenith, app, browser)
        }
    }
}
