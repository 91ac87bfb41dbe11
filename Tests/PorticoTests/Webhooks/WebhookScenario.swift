import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

/// What the outgoing-webhook suites share: a tenant with its staff and a subscriber who can sign in,
/// the admin's console and the webhooks page, a delivery worker with a short back-off, the events
/// most tests cause (a sign-up, a submitted work order), and the checks a receiver would make.
protocol WebhookScenario {}

struct WebhookWorld {
    let tenant: TestTenant
    let admin: StaffUser
    let agent: StaffUser
    let technician: StaffUser
    let organization: Organization
    let customer: Customer
}

extension WebhookScenario {
    typealias World = WebhookWorld

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let staff = try await tenant.staffCast()
        let (organization, customer) = try await tenant.signInableSubscriber()
        return World(
            tenant: tenant, admin: staff.admin, agent: staff.agent, technician: staff.technician, organization: organization, customer: customer)
    }

    /// Tests and the demo allow http:// and loopback receivers.
    static var permissive: AppConfiguration {
        var configuration = TestApp.configuration()
        configuration.webhooksAllowHTTP = true
        configuration.webhooksAllowPrivate = true
        return configuration
    }

    /// A worker for one tenant's deliveries, with a ~100 ms back-off.
    static func worker(_ app: TestApp, _ tenant: TestTenant, maximumAttempts: Int = 8, allowPrivate: Bool = true) -> WebhookDelivery {
        var policy = WebhookDelivery.Policy()
        policy.schedule = [.milliseconds(100)]
        policy.jitter = 0
        policy.maximumAttempts = maximumAttempts
        policy.allowHTTP = true
        policy.allowPrivate = allowPrivate
        policy.tenant = tenant.id
        return WebhookDelivery(pool: app.dependencies.pool, policy: policy, logger: app.dependencies.logger)
    }

    /// Runs the worker until `condition` holds.
    static func deliver(_ worker: WebhookDelivery, until condition: () async throws -> Bool) async throws {
        try await eventually(timeout: .seconds(60)) {
            try await worker.runOnce()
            return try await condition()
        }
    }

    func console(_ app: TestApp, _ world: World) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff(world.admin.email)
        return console
    }

    func count(_ tenant: TestTenant, _ sql: SQL) async throws -> Int {
        try await tenant.transaction { tx in try await tx.scalar(sql, as: Int.self) } ?? -1
    }

    static func isRedirect(_ response: HTTPTestResponse) -> Bool { response.status == .seeOther || response.status == .found }

    /// The world's subscriber, signed in, submits a work order through the portal; returns
    /// their browser.
    static func submitWorkOrder(_ app: TestApp, _ world: World, title: String, description: String) async throws -> Browser {
        let subscriber = Browser(app: app, host: world.tenant.host)
        try await subscriber.signInCustomer(world.customer.email)
        try await subscriber.get("/portal/work-orders/new")
        #expect(
            isRedirect(
                try await subscriber.post(
                    "/portal/work-orders",
                    ["title": title, "description": description, "priority": "normal", "quantity": "1", "action": "submit"])))
        return subscriber
    }

    /// Creates an endpoint through the page; returns its id and the secret the page showed.
    func createEndpoint(
        _ console: Browser, url: String, events: [WebhookEventType] = WebhookEventType.allCases,
        description: String = "Billing"
    ) async throws -> (id: String, secret: String) {
        try await console.get("/admin/webhooks")
        var fields = ["url": url, "description": description]
        for event in events { fields[event.formField] = "on" }
        let page = try await console.post("/admin/webhooks", fields)
        #expect(page.status == .ok, "\(page.body.prefix(500))")
        let secret = try #require(Browser.firstMatch(in: page.body, after: "data-webhook-secret>", until: "<"))
        let id = try #require(Browser.firstMatch(in: page.body, after: "action=\"/admin/webhooks/", until: "/"))
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        return (id, secret)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Checks the headers and the signature as a receiver would.
    static func verify(_ request: WebhookReceiver.Received, secret: String, event: String) throws {
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("User-Agent") == "Portico-Webhooks/1")
        #expect(request.header("Portico-Event") == event)
        let delivery = try #require(request.header("Portico-Delivery"))
        #expect(UUID(uuidString: delivery) != nil)
        let signature = try #require(request.header("Portico-Signature"))
        let parts = Dictionary(
            uniqueKeysWithValues: signature.split(separator: ",").map {
                let pair = $0.split(separator: "=", maxSplits: 1)
                return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
            })
        let timestamp = try #require(parts["t"])
        let expected = Hex.encode(Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(timestamp).\(request.body)".utf8)))
        #expect(Digest.constantTimeEquals(expected, parts["v1"] ?? ""), "signature verifies with the secret the page showed")
        let otherSecret = (secret.first == "0" ? "1" : "0") + secret.dropFirst()
        let wrong = Hex.encode(Digest.hmacSHA256(key: Array(otherSecret.utf8), message: Array("\(timestamp).\(request.body)".utf8)))
        #expect(wrong != parts["v1"])
        let age = abs(Date().timeIntervalSince1970 - (Double(timestamp) ?? 0))
        #expect(age < 600, "the timestamp is the current time")
    }

    /// Registration is rate-limited per IP across tenants: each visitor gets an address of its own.
    static func randomPeer() -> String { "198.51.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))" }

    /// A visitor signs up on the tenant's portal: the `customer.registered` event most tests deliver.
    static func register(_ app: TestApp, _ world: World, name: String, email: String) async throws {
        let visitor = Browser(app: app, host: world.tenant.host, peer: randomPeer())
        try await visitor.get("/portal/register")
        let response = try await visitor.post("/portal/register", ["name": name, "email": email, "password": "a long enough passphrase"])
        #expect(response.status.code < 400)
    }
}
