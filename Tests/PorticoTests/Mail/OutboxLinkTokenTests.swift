import Foundation
import Mailer
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// One-time links (reset, verification, invitation, email change) are kept out of the stored
/// outbox bodies, put back only on the way to the relay, and forgotten once the message is
/// sent, refused or dead; old mail is deleted. Part of the serialized outbox suite: these tests
/// run the delivery worker, which claims mail of every tenant in its database.
extension OutboxDeliveryTests {
    static let tokenPattern = #"token=[A-Za-z0-9_-]{20,}|/invite/[A-Za-z0-9_-]{20,}"#

    func storedBodies(_ world: World, to recipient: String) async throws -> [(text: String, html: String, token: String?)] {
        try await world.pool.withTenant(world.tenant.id) { tx in
            try await tx.rows("SELECT text_body, html_body, link_token FROM outbox WHERE recipient = \(recipient) ORDER BY created_at").map {
                (try $0.decode("text_body"), try $0.decode("html_body", as: String?.self) ?? "", try $0.decode("link_token", as: String?.self))
            }
        }
    }

    @Test("a reset link never sits in the stored bodies; the mail arrives with a working link; once sent, the row holds no token")
    func resetLinkKeptOutOfStorage() async throws {
        let world = try await world()
        let (_, customer) = try await world.tenant.subscriber(email: unique("forgetful"))
        try await world.dependencies.customerAccounts.requestPasswordReset(
            email: customer.email, tenant: world.resolved, origin: RequestOrigin(ip: "192.0.2.40", userAgent: "test"))

        let queued = try #require(try await storedBodies(world, to: customer.email).first)
        #expect(queued.text.range(of: Self.tokenPattern, options: .regularExpression) == nil)
        #expect(queued.html.range(of: Self.tokenPattern, options: .regularExpression) == nil)
        #expect(queued.text.contains("reset-password?token=\(Outbox.linkTokenPlaceholder)"))
        #expect(queued.token != nil)

        try await SMTPTestServer.with { server in
            try await delivery(world, url: server.url).runOnce()
            let received = try #require(try await server.waitForMessages(count: 1).first { $0.recipients == [customer.email] })
            let parsed = try await MIMEInspection.parse(received.data)
            let text = try #require(parsed.parts.first { $0.contentType == "text/plain" }).text
            let html = try #require(parsed.parts.first { $0.contentType == "text/html" }).text
            let token = try #require(text.firstMatch(of: /reset-password\?token=([A-Za-z0-9_-]{43})/).map { String($0.1) })
            #expect(html.contains("reset-password?token=\(token)"))
            #expect(!text.contains(Outbox.linkTokenPlaceholder) && !html.contains(Outbox.linkTokenPlaceholder))
            // The link works: the token is the account's live one.
            let live = try await world.pool.withTenant(world.tenant.id) { tx in try await AccountTokens.peek(token, kind: .resetPassword, in: tx) }
            #expect(live?.email == customer.email)

            let sent = try #require(try await storedBodies(world, to: customer.email).first)
            #expect(sent.token == nil)
            #expect(!sent.text.contains(token) && !sent.html.contains(token))
        }
    }

    @Test("a message that is refused or dies forgets its link; it cannot be retried (staff are told to send a new one); other mail can")
    func refusedOrDeadForgetsTheLink() async throws {
        let world = try await world()
        let refused = unique("refused")
        let ordinary = unique("ordinary")
        try await enqueue(world, to: refused, kind: .inviteCustomer, link: "/portal/invite/\(Self.linkToken)")
        try await enqueue(world, to: ordinary, kind: .welcome, link: "/portal")
        try await SMTPTestServer.with(.init(rejectRecipients: [refused, ordinary])) { server in
            try await delivery(world, url: server.url).runOnce()
        }
        let failed = try #require(try await rows(world, to: refused).first)
        #expect(failed.status == .failed)
        #expect(failed.linkToken == nil)
        #expect(failed.lostItsLink)
        #expect(!failed.textBody.contains(Self.linkToken))

        let admin = try await world.tenant.staff(role: .admin)
        try await TestApp.with(databaseURL: try await Self.shared.value.url) { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(admin.email)
            let page = try await console.get("/admin/outbox")
            #expect(page.body.contains("one-time link was removed"))
            #expect(!page.body.contains(Self.linkToken))
            let retry = try await console.post("/admin/outbox/\(failed.id.uuidString.lowercased())/retry")
            #expect(retry.status == .conflict)
            #expect(retry.body.contains("Send a new one instead"))
            #expect(try await rows(world, to: refused).first?.status == .failed)
            // Mail without a one-time link can still be retried.
            let plain = try #require(try await rows(world, to: ordinary).first)
            try await console.get("/admin/outbox")
            #expect(try await console.post("/admin/outbox/\(plain.id.uuidString.lowercased())/retry").status == .ok)
            #expect(try await rows(world, to: ordinary).first?.status == .queued)
        }

        // A row that lost its link while queued (an older release's retry) is refused, not sent broken.
        try await world.pool.withTenant(world.tenant.id) { tx in
            try await tx.execute("UPDATE outbox SET status = 'queued', next_attempt_at = now() WHERE id = \(failed.id)")
        }
        try await SMTPTestServer.with { server in
            try await delivery(world, url: server.url).runOnce()
            #expect(try server.messages().filter { $0.recipients == [refused] }.isEmpty)
        }
        let again = try #require(try await rows(world, to: refused).first)
        #expect(again.status == .failed)
        #expect(again.lastError?.contains("one-time link was removed") == true)
    }

    @Test("retention: maintenance deletes sent mail after 30 days and refused or dead mail after 90; recent and queued mail stays")
    func retention() async throws {
        let world = try await world()
        let recipient = unique("kept")
        for _ in 0..<6 { try await enqueue(world, to: recipient, kind: .welcome, link: "/portal") }
        try await world.pool.withTenant(world.tenant.id) { tx in
            let ids = try await tx.rows("SELECT id FROM outbox WHERE recipient = \(recipient) ORDER BY id").map { try $0.decode("id", as: UUID.self) }
            let plan: [(String, Int)] = [("sent", 31), ("sent", 29), ("dead", 91), ("failed", 89), ("queued", 400), ("failed", 91)]
            for (id, (status, days)) in zip(ids, plan) {
                try await tx.execute(
                    """
                    UPDATE outbox SET status = \(status), created_at = now() - make_interval(days => \(days)),
                           sent_at = CASE WHEN \(status) = 'sent' THEN now() - make_interval(days => \(days)) END
                     WHERE id = \(id)
                    """)
            }
        }
        try await world.dependencies.maintenanceService().sweep()
        let left = try await rows(world, to: recipient).map {
            "\($0.status.rawValue):\(Int((-$0.createdAt.timeIntervalSinceNow / 86_400).rounded()))"
        }
        #expect(left.sorted() == ["failed:89", "queued:400", "sent:29"])
    }
}
