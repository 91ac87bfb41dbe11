import Foundation
import Mailer
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The outbox worker claims mail of every tenant, so these tests use a database of their own
/// and run one at a time.
@Suite("Outbox delivery through a real SMTP server", .serialized)
struct OutboxDeliveryTests {
    struct World {
        let pool: ConnectionPool
        let tenant: TestTenant
        let resolved: ResolvedTenant
        let dependencies: AppDependencies
    }

    /// One database and one pool for the whole (serialized) suite, rather than a pool per test
    /// left open until the run ends.
    static let shared = Task {
        let urls = try await TestCluster.migratedScratchDatabase(prefix: "outbox")
        return (url: urls.appURL, dependencies: try await TestApp.dependencies(databaseURL: urls.appURL))
    }

    /// A tenant with a verified primary custom domain (links must use it) in the suite's database.
    func world(primaryDomain: Bool = true) async throws -> World {
        let dependencies = try await Self.shared.value.dependencies
        let tenant = try await TestTenant.create(name: "Outbox & Co Wireless", pool: dependencies.pool)
        try await tenant.transaction { tx in
            try await tx.execute("UPDATE tenant_branding SET support_email = 'help@outbox-co.example', color_primary = '#0a7b55'")
            if primaryDomain {
                try await tx.execute(
                    """
                    INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at, is_primary)
                    VALUES (\(tx.tenant), \("portal.\(tenant.slug).example.net"), 'custom', 't', now(), true)
                    """)
            }
        }
        guard case .tenant(let resolved) = try await dependencies.directory.resolve(host: tenant.host) else {
            throw TestSupportError("tenant did not resolve")
        }
        return World(pool: dependencies.pool, tenant: tenant, resolved: resolved, dependencies: dependencies)
    }

    /// A one-time token as the account code makes them (43 URL-safe characters).
    static let linkToken = "Tok3n-Of-Exactly-Forty-Three-Characters_abc"

    func enqueue(
        _ world: World, to recipient: String, kind: NotificationKind = .verifyEmail,
        link: String = "/portal/verify?token=\(OutboxDeliveryTests.linkToken)"
    ) async throws {
        try await world.pool.withTenant(world.tenant.id) { tx in
            try await world.dependencies.outbox.enqueue(
                kind, to: recipient, name: "Zoë Ünicode", tenant: world.resolved,
                values: ["actionUrl": world.resolved.url(link)],
                linkToken: kind.carriesLinkToken ? Self.linkToken : nil, in: tx)
        }
    }

    func delivery(_ world: World, url: String, startTLS: Bool = false, caFile: String? = nil, name: String = "test-worker") throws -> OutboxDelivery {
        let smtp = try SMTPConfiguration.parse(url: url, startTLS: startTLS, caFile: caFile)
        var configuration = smtp
        configuration.connectTimeout = .seconds(2)
        configuration.totalTimeout = .seconds(5)
        return OutboxDelivery(
            pool: world.pool, transport: SMTPTransport(configuration: configuration), fromAddress: "noreply@portico.example",
            workerName: name, logger: TestLogging.logger("outbox"))
    }

    func rows(_ world: World, to recipient: String) async throws -> [OutboxMessage] {
        try await world.pool.withTenant(world.tenant.id) { tx in
            try await tx.rows("SELECT * FROM outbox WHERE recipient = \(recipient) ORDER BY created_at").map { try $0.decode(OutboxMessage.self) }
        }
    }

    func unique(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(6).lowercased())@example.net" }

    @Test("a queued email arrives intact: branded, both parts, encoded headers, CRLF only, stable Message-ID, links on the primary domain")
    func deliveredAndParsedBack() async throws {
        let world = try await world()
        let recipient = unique("zoe")
        try await enqueue(world, to: recipient)
        try await SMTPTestServer.with { server in
            let worker = try delivery(world, url: server.url)
            try await worker.runOnce()
            let received = try #require(try await server.waitForMessages(count: 1).first { $0.recipients == [recipient] })
            let row = try #require(try await rows(world, to: recipient).first)
            #expect(row.status == .sent)
            #expect(row.sentAt != nil)

            // CRLF only, no line longer than 998 octets.
            let bytes = received.data
            for (index, byte) in bytes.enumerated() where byte == 10 { #expect(index > 0 && bytes[index - 1] == 13) }
            #expect(received.text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })

            let parsed = try await MIMEInspection.parse(bytes)
            #expect(parsed.value("Message-ID")?.trimmingCharacters(in: .whitespaces) == "<\(row.messageId)>")
            #expect(row.messageId.hasSuffix("@portal.\(world.tenant.slug).example.net"))
            #expect(parsed.value("Subject") == "Confirm your email address for Outbox & Co Wireless")
            #expect(
                parsed.addresses["from"]?.first == MIMEInspection.Address(displayName: "Outbox & Co Wireless", address: "noreply@portico.example"))
            #expect(parsed.addresses["reply-to"]?.first?.address == "help@outbox-co.example")
            #expect(parsed.addresses["to"]?.first?.displayName == "Zoë Ünicode")
            #expect(parsed.value("Date") != nil)
            #expect(parsed.contentType == "multipart/alternative")
            let text = try #require(parsed.parts.first { $0.contentType == "text/plain" })
            let html = try #require(parsed.parts.first { $0.contentType == "text/html" })
            #expect(text.text.contains("http://portal.\(world.tenant.slug).example.net:8080/portal/verify?token=\(Self.linkToken)"))
            #expect(html.text.contains("#0a7b55"))  // the tenant's colour
            #expect(html.text.contains("Outbox &amp; Co Wireless"))
            #expect(!text.text.contains("&amp;"))  // text is not HTML-escaped
            #expect(parsed.defects.isEmpty)
            #expect(received.data.count > 0 && received.text.contains("Content-Transfer-Encoding: quoted-printable"))
        }
    }

    @Test("relay down: the message waits with back-off, and is delivered exactly once when the relay is back")
    func relayDownThenUp() async throws {
        let world = try await world()
        let recipient = unique("patient")
        try await enqueue(world, to: recipient)
        let port = try SMTPTestServer.unusedPort()
        let worker = try delivery(world, url: "smtp://127.0.0.1:\(port)")
        try await worker.runOnce()
        var row = try #require(try await rows(world, to: recipient).first)
        #expect(row.status == .queued)
        #expect(row.attempts == 1)
        #expect(row.lastError?.isEmpty == false)
        #expect(row.nextAttemptAt.timeIntervalSinceNow > 30)  // about a minute, with jitter
        #expect(row.nextAttemptAt.timeIntervalSinceNow < 90)

        // Not due yet: nothing happens.
        try await worker.runOnce()
        #expect(try await rows(world, to: recipient).first?.attempts == 1)

        var options = SMTPTestServer.Options()
        options.port = port
        try await SMTPTestServer.with(options) { server in
            try await world.pool.withTenant(world.tenant.id) { tx in
                try await tx.execute("UPDATE outbox SET next_attempt_at = now() WHERE recipient = \(recipient)")
            }
            try await worker.runOnce()
            try await worker.runOnce()
            row = try #require(try await rows(world, to: recipient).first)
            #expect(row.status == .sent)
            #expect(row.attempts == 2)
            #expect(try server.messages().filter { $0.recipients == [recipient] }.count == 1)
        }
    }

    @Test("a 550 recipient fails for good without a retry; a 451 is retried; the maximum makes it dead")
    func permanentAndTransientReplies() async throws {
        let world = try await world()
        let rejected = unique("nobody")
        let deferred = unique("later")
        try await enqueue(world, to: rejected)
        try await enqueue(world, to: deferred)
        try await SMTPTestServer.with(.init(rejectRecipients: [rejected], tempfailRecipients: [deferred])) { server in
            let worker = try delivery(world, url: server.url)
            try await worker.runOnce()
            let failed = try #require(try await rows(world, to: rejected).first)
            #expect(failed.status == .failed)
            #expect(failed.lastError?.contains("550") == true)
            let waiting = try #require(try await rows(world, to: deferred).first)
            #expect(waiting.status == .queued)
            #expect(waiting.lastError?.contains("451") == true)

            // Make everything due again: the failed one is not retried; the deferred one is,
            // until its ninth retry (tenth attempt) makes it dead.
            for _ in 0..<12 {
                try await world.pool.withTenant(world.tenant.id) { tx in
                    try await tx.execute("UPDATE outbox SET next_attempt_at = now() WHERE status = 'queued'")
                }
                try await worker.runOnce()
            }
            #expect(try await rows(world, to: rejected).first?.attempts == 1)
            let dead = try #require(try await rows(world, to: deferred).first)
            #expect(dead.status == .dead)
            #expect(dead.attempts == 10)
            #expect(dead.lastError?.contains("Gave up after 10 attempts") == true)
            #expect(try server.messages().filter { $0.recipients.contains(rejected) || $0.recipients.contains(deferred) }.isEmpty)
        }
    }

    @Test("a worker that died mid-send leaves a message that is rescued and delivered once, with the same Message-ID")
    func rescuedAfterCrash() async throws {
        let world = try await world()
        let recipient = unique("rescued")
        try await enqueue(world, to: recipient)
        // A worker claimed it and vanished ten minutes ago.
        try await OutboxDeliveryWorkerCrash.simulate(pool: world.pool, tenant: world.tenant.id, recipient: recipient)
        try await SMTPTestServer.with { server in
            let worker = try delivery(world, url: server.url)
            try await worker.runOnce()
            let row = try #require(try await rows(world, to: recipient).first)
            #expect(row.status == .sent)
            #expect(row.uncertain == true)
            let received = try server.messages().filter { $0.recipients == [recipient] }
            #expect(received.count == 1)
            let header = try await MIMEInspection.parse(try #require(received.first).data).value("Message-ID")
            #expect(header?.trimmingCharacters(in: .whitespaces) == "<\(row.messageId)>")
            try await worker.runOnce()
            #expect(try server.messages().filter { $0.recipients == [recipient] }.count == 1)
        }
    }

    @Test("two workers on one outbox deliver every message exactly once")
    func twoWorkers() async throws {
        let world = try await world()
        let recipients = (0..<30).map { unique("bulk\($0)") }
        for recipient in recipients { try await enqueue(world, to: recipient) }
        try await SMTPTestServer.with { server in
            let first = try delivery(world, url: server.url, name: "worker-a")
            let second = try delivery(world, url: server.url, name: "worker-b")
            async let a: Void = { while try await first.runOnce() > 0 {} }()
            async let b: Void = { while try await second.runOnce() > 0 {} }()
            _ = try await (a, b)
            let received = try server.messages().flatMap(\.recipients).filter { recipients.contains($0) }
            #expect(received.count == 30)
            #expect(Set(received).count == 30)
        }
    }

    @Test("a relay that does not offer STARTTLS gets nothing: a clear permanent failure, not plain text")
    func startTLSRequired() async throws {
        let world = try await world()
        let recipient = unique("tls")
        try await enqueue(world, to: recipient)
        try await SMTPTestServer.with(.init(security: .plain)) { server in
            let worker = try delivery(world, url: server.url, startTLS: true)
            try await worker.runOnce()
            let row = try #require(try await rows(world, to: recipient).first)
            #expect(row.status == .failed)
            #expect(row.lastError?.contains("STARTTLS") == true)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test("without SMTP_URL, mail lands as .eml files in the data directory")
    func mailDrop() async throws {
        let world = try await world()
        let recipient = unique("drop")
        try await enqueue(world, to: recipient)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drop-\(UUID().uuidString.prefix(6))")
        let worker = OutboxDelivery(
            pool: world.pool, transport: MailDropTransport(directory: directory, logger: TestLogging.logger("drop")),
            fromAddress: "noreply@portico.example", logger: TestLogging.logger("outbox"))
        while try await worker.runOnce() > 0 {}
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }
        let contents = try files.map { try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
        #expect(contents.contains { $0.contains(recipient) && $0.contains("Subject: Confirm your email address") })
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Puts a message in the state a crashed worker leaves behind.
enum OutboxDeliveryWorkerCrash {
    static func simulate(pool: ConnectionPool, tenant: TenantID, recipient: String) async throws {
        try await pool.withTenant(tenant) { tx in
            try await tx.execute(
                """
                UPDATE outbox SET status = 'sending', attempts = 1, claimed_by = 'vanished', claimed_at = now() - interval '10 minutes'
                 WHERE recipient = \(recipient)
                """)
        }
    }
}
