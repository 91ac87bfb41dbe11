import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// A TOTP code works once: within its 90-second window a second use (a code read over a
/// shoulder, replayed from a log, or typed twice) is refused. Only wrong codes count toward
/// the code limit.
@Suite("Second-factor codes work once")
struct TOTPReuseTests {
    static func code(_ secret: String, stepsAhead: Int = 0) -> String {
        String(format: "%06d", TOTP(secret: secret).compute(date: Date().addingTimeInterval(Double(30 * stepsAhead))))
    }

    /// A staff member with TOTP enabled, the secret and the code used to enrol. Tests reuse a
    /// code by its text (recomputing it after a step boundary would give a fresh one).
    func enrolled(_ tenant: TestTenant, app: TestApp) async throws -> (StaffUser, String, String) {
        let staff = try await tenant.staff(role: .agent)
        let console = Browser(app: app, host: tenant.host)
        try await console.signInStaff(staff.email)
        try await console.get("/admin/account")
        try await console.post("/admin/account/totp/start")
        let secret = try #require(
            try await tenant.transaction { tx in try await Repositories.postgres.staff.credentials(id: staff.id, in: tx)?.totpSecret })
        let code = Self.code(secret)
        #expect(try await console.post("/admin/account/totp/confirm", ["code": code]).body.contains("recovery codes"))
        return (staff, secret, code)
    }

    /// Password step of a fresh sign-in; the browser then owes the code.
    func passwordStep(_ app: TestApp, _ tenant: TestTenant, _ staff: StaffUser) async throws -> Browser {
        let browser = Browser(app: app, host: tenant.host)
        #expect(try await browser.signInStaff(staff.email).header("Location") == "/admin/login/code")
        try await browser.get("/admin/login/code")
        return browser
    }

    @Test("staff: a code that signed in once is refused the second time, also on another device; the next code works")
    func staffCodeReuse() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let (staff, secret, enrolment) = try await enrolled(tenant, app: app)
            // The enrolment code itself does not sign in again.
            let replayEnrolment = try await passwordStep(app, tenant, staff)
            #expect(try await replayEnrolment.post("/admin/login/code", ["code": enrolment]).status == .unauthorized)

            let next = Self.code(secret, stepsAhead: 1)
            let laptop = try await passwordStep(app, tenant, staff)
            #expect(try await laptop.post("/admin/login/code", ["code": next]).header("Location") == "/admin")
            let thief = try await passwordStep(app, tenant, staff)
            let replay = try await thief.post("/admin/login/code", ["code": next])
            #expect(replay.status == .unauthorized)
            #expect(try await thief.get("/admin").header("Location") == "/admin/login/code")
            // An earlier code (still inside the drift window) is refused too: steps only go forward.
            try await thief.get("/admin/login/code")
            #expect(try await thief.post("/admin/login/code", ["code": Self.code(secret, stepsAhead: -1)]).status == .unauthorized)
        }
    }

    @Test("staff: right codes do not count toward the code limit; wrong ones do")
    func rightCodesAreNotCounted() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let (staff, secret, _) = try await enrolled(tenant, app: app)
            let browser = try await passwordStep(app, tenant, staff)
            for _ in 1...4 {
                #expect(try await browser.post("/admin/login/code", ["code": "000000"]).status == .unauthorized)
                try await browser.get("/admin/login/code")
            }
            #expect(try await browser.post("/admin/login/code", ["code": Self.code(secret, stepsAhead: 1)]).header("Location") == "/admin")
            // Four wrong codes so far: a fifth wrong one is still answered as wrong, not refused.
            let again = try await passwordStep(app, tenant, staff)
            #expect(try await again.post("/admin/login/code", ["code": "000000"]).status == .unauthorized)
            try await again.get("/admin/login/code")
            let blocked = try await again.post("/admin/login/code", ["code": "000000"])
            #expect(blocked.status == .tooManyRequests)
        }
    }

    @Test("bad codes at enrolment, sign-in and switching off: clear 4xx, nothing changes")
    func badCodes() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let (staff, secret, _) = try await enrolled(tenant, app: app)
            let browser = try await passwordStep(app, tenant, staff)
            for code in ["", "12345", "abcdef", String(repeating: "9", count: 500)] {
                #expect(try await browser.post("/admin/login/code", ["code": code]).status == .unauthorized, "\(code.prefix(10))")
                try await browser.get("/admin/login/code")
            }
            let console = try await passwordStep(app, tenant, staff)
            let next = Self.code(secret, stepsAhead: 1)
            #expect(try await console.post("/admin/login/code", ["code": next]).header("Location") == "/admin")
            try await console.get("/admin/account")
            // Switching off needs a fresh code: the one just used to sign in is refused.
            let reused = try await console.post("/admin/account/totp/disable", ["code": next])
            #expect(reused.status == .unprocessableContent)
            #expect(reused.body.contains("used already"))
            let enabled = try await tenant.transaction { tx in try await Repositories.postgres.staff.credentials(id: staff.id, in: tx)?.totpEnabledAt
            }
            #expect(enabled != nil)
        }
    }

    @Test("operators: a code is refused the second time")
    func operatorCodeReuse() async throws {
        let database = try await TestCluster.database()
        var configuration = TestApp.configuration()
        configuration.databaseURL = database.appURL
        let environment = CommandEnvironment(configuration: configuration, pool: database.appPool, logger: TestLogging.logger("cli"))
        let email = "op-reuse-\(UUID().uuidString.prefix(6).lowercased())@platform.example"
        let output = try await OperatorCommands.create(email: email, environment: environment)
        let link = try #require(output.components(separatedBy: "setup link (one use, 7 days): ").last?.split(separator: "\n").first.map(String.init))
        let path = try #require(URLComponents(string: link)?.path)
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: "operator.localhost")
            try await browser.get(path)
            try await browser.post(path, ["password": "operator passphrase 1"])
            try await browser.get("/operator/enrol")
            let secret = try #require(
                try await database.appPool.query("SELECT totp_secret FROM operators WHERE email = \(email)").rows.first?.decode(
                    "totp_secret", as: String.self))
            let enrolment = Self.code(secret)
            #expect(try await browser.post("/operator/enrol", ["code": enrolment]).body.contains("recovery codes"))

            func signIn() async throws -> Browser {
                let later = Browser(app: app, host: "operator.localhost")
                try await later.get("/operator/login")
                #expect(
                    try await later.post("/operator/login", ["email": email, "password": "operator passphrase 1"]).header("Location")
                        == "/operator/login/code")
                try await later.get("/operator/login/code")
                return later
            }
            #expect(try await signIn().post("/operator/login/code", ["code": enrolment]).header("Location") != "/operator")
            let next = Self.code(secret, stepsAhead: 1)
            #expect(try await signIn().post("/operator/login/code", ["code": next]).header("Location") == "/operator")
            #expect(try await signIn().post("/operator/login/code", ["code": next]).header("Location") != "/operator")
        }
    }
}
