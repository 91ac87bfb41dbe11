import Foundation
import HummingbirdOTP
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// A platform operator set up the way a person is: the CLI prints a one-use set-up link, the
/// browser opens it, chooses a password and enrols TOTP, and lands signed in on the operator host.
enum OperatorFixture {
    static func signedIn(_ app: TestApp) async throws -> (browser: Browser, email: String) {
        let database = try await TestCluster.database()
        var configuration = TestApp.configuration()
        configuration.databaseURL = database.appURL
        let environment = CommandEnvironment(configuration: configuration, pool: database.appPool, logger: TestLogging.logger("cli"))
        let email = "op-\(UUID().uuidString.prefix(8).lowercased())@platform.example"
        let output = try await OperatorCommands.create(email: email, environment: environment)
        let link = try #require(output.components(separatedBy: "setup link (one use, 7 days): ").last?.split(separator: "\n").first.map(String.init))
        let path = try #require(URLComponents(string: link)?.path)
        let browser = Browser(app: app, host: "operator.localhost")
        try await browser.get(path)
        try await browser.post(path, ["password": "operator passphrase 1"])
        try await browser.get("/operator/enrol")
        let secret = try #require(
            try await database.appPool.query("SELECT totp_secret FROM operators WHERE email = \(email)").rows.first?
                .decode("totp_secret", as: String.self))
        try await browser.post("/operator/enrol", ["code": String(format: "%06d", TOTP(secret: secret).compute())])
        #expect(try await browser.get("/operator").status == .ok)
        return (browser, email)
    }
}
