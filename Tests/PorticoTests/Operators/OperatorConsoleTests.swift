import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Operator console")
struct OperatorConsoleTests {
    @Test("an operator sets up through the CLI link, must enrol TOTP, signs in with a code, and onboards and suspends tenants")
    func operatorJourney() async throws {
        let database = try await TestCluster.database()
        var configuration = TestApp.configuration()
        configuration.databaseURL = database.appURL
        let environment = CommandEnvironment(configuration: configuration, pool: database.appPool, logger: TestLogging.logger("cli"))
        let email = "op-\(UUID().uuidString.prefix(6).lowercased())@platform.example"
        let output = try await OperatorCommands.create(email: email, environment: environment)
        let link = try #require(output.components(separatedBy: "setup link (one use, 7 days): ").last?.split(separator: "\n").first.map(String.init))
        let path = try #require(URLComponents(string: link)?.path)
        #expect(link.hasPrefix("http://operator.localhost:8080/operator/setup/"))

        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: "operator.localhost")
            // Not signed in: the console sends to sign-in; tenant pages do not exist here.
            #expect(try await browser.get("/operator").header("Location")?.hasPrefix("/operator/login") == true)
            #expect(try await browser.get("/portal/login").status == .notFound)

            #expect(try await browser.get(path).status == .ok)
            let setUp = try await browser.post(path, ["password": "operator passphrase 1"])
            #expect(setUp.header("Location") == "/operator/enrol")
            // Without the second factor nothing else opens.
            #expect(try await browser.get("/operator").header("Location") == "/operator/enrol")
            let enrol = try await browser.get("/operator/enrol")
            #expect(enrol.body.contains("otpauth://totp/"))
            let secret = try #require(
                try await database.appPool.query("SELECT totp_secret FROM operators WHERE email = \(email)").rows.first?.decode(
                    "totp_secret", as: String.self))
            let done = try await browser.post("/operator/enrol", ["code": String(format: "%06d", TOTP(secret: secret).compute())])
            #expect(done.body.contains("recovery codes"))
            #expect(try await browser.get("/operator").status == .ok)

            // A later sign-in: password, then code (the next one: each code works once).
            let later = Browser(app: app, host: "operator.localhost")
            try await later.get("/operator/login")
            #expect(try await later.post("/operator/login", ["email": email, "password": "wrong password here"]).status == .unauthorized)
            try await later.get("/operator/login")
            #expect(
                try await later.post("/operator/login", ["email": email, "password": "operator passphrase 1"]).header("Location")
                    == "/operator/login/code")
            #expect(try await later.get("/operator").header("Location") == "/operator/login/code")
            try await later.get("/operator/login/code")
            let next = String(format: "%06d", TOTP(secret: secret).compute(date: Date().addingTimeInterval(30)))
            #expect(try await later.post("/operator/login/code", ["code": next]).header("Location") == "/operator")

            // Onboard a tenant from the console; its first admin is invited by email.
            try await later.get("/operator/tenants/new")
            let slug = "opc-\(UUID().uuidString.prefix(8).lowercased())"
            let created = try await later.post(
                "/operator/tenants",
                [
                    "slug": slug, "name": "Console Made", "admin_email": "first@console.example",
                    "time_zone": "America/Chicago",
                ])
            #expect(created.status == .ok)
            #expect(created.body.contains("Created \(slug)"))
            let tenant = try #require(try await PostgresTenantStore(pool: database.appPool).tenant(slug: slug))
            #expect(tenant.timeZone == "America/Chicago")
            let invite = try #require(try await TestMailbox.latest(to: "first@console.example", tenant: tenant.id, kind: "invite_staff"))
            #expect(invite.link?.hasPrefix("http://\(slug).localhost:8080/admin/invite/") == true)

            let invalid = try await later.post(
                "/operator/tenants", ["slug": "admin", "name": "", "admin_email": "nope", "time_zone": "Mars/Olympus_Mons"])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.body.contains("reserved"))
            #expect(invalid.body.contains("“Mars/Olympus_Mons” is not a time zone this server knows"))

            // Suspend and resume from the console.
            #expect(try await later.post("/operator/tenants/\(slug)/suspend").body.contains("Suspended \(slug)"))
            try await eventually { try await app.get("/portal/login", host: "\(slug).localhost").status == .serviceUnavailable }
            #expect(try await later.post("/operator/tenants/\(slug)/resume").body.contains("Resumed \(slug)"))

            // The operator session means nothing on a tenant host.
            let carried = Browser(app: app, host: "\(slug).localhost")
            carried.setCookie("portico_session", later.cookie("portico_operator"))
            #expect(try await carried.get("/admin").status == .seeOther)
        }
    }
}
