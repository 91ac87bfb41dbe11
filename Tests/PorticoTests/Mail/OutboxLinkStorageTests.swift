import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// What the outbox table holds after the user's path (a reset asked for on the page): no
/// usable one-time link, in either body, and nothing of it on the staff outbox page.
@Suite("One-time links are not stored in the outbox")
struct OutboxLinkStorageTests {
    static let tokenPattern = #"token=[A-Za-z0-9_-]{20,}|/invite/[A-Za-z0-9_-]{20,}"#

    @Test("a reset, a verification and an invitation queued through the pages leave no live token in the stored bodies or the staff outbox")
    func noLiveTokensStored() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let visitor = Browser(app: app, host: tenant.host)
            try await visitor.get("/portal/forgot-password")
            #expect(try await visitor.post("/portal/forgot-password", ["email": customer.email]).status == .ok)
            let newcomer = "new-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            try await visitor.get("/portal/register")
            #expect(
                try await visitor.post("/portal/register", ["name": "New Person", "email": newcomer, "password": "a fine long passphrase"]).status
                    == .ok)
            let owner = Browser(app: app, host: tenant.host)
            try await owner.signInCustomer(customer.email)
            try await owner.get("/portal/profile")
            let invited = "invited-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            #expect(try await owner.post("/portal/profile/members", ["member_name": "Invitee", "member_email": invited]).status == .ok)

            let stored = try await tenant.transaction { tx in
                try await tx.rows("SELECT kind, text_body, coalesce(html_body, '') AS html_body FROM outbox ORDER BY created_at").map {
                    (
                        try $0.decode("kind", as: String.self),
                        try $0.decode("text_body", as: String.self) + (try $0.decode("html_body", as: String.self))
                    )
                }
            }
            #expect(Set(stored.map(\.0)).isSuperset(of: ["reset_password", "verify_email", "invite_customer"]))
            for (kind, bodies) in stored {
                #expect(bodies.range(of: Self.tokenPattern, options: .regularExpression) == nil, "\(kind) keeps a live link in storage")
            }

            // The links as the mailbox will see them, and the staff outbox page without them.
            var links: [String] = []
            for (recipient, kind) in [(customer.email, "reset_password"), (newcomer, "verify_email"), (invited, "invite_customer")] {
                links.append(try #require(try await TestMailbox.latest(to: recipient, tenant: tenant.id, kind: kind)?.link))
            }
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let page = try await console.get("/admin/outbox")
            #expect(page.status == .ok)
            for link in links {
                let token = String(link.split(whereSeparator: { "=/".contains($0) }).last ?? "")
                #expect(token.count >= 20, "\(link)")
                #expect(!page.body.contains(token))
            }
        }
    }
}
