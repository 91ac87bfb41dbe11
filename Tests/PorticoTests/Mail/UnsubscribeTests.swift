import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Notification preferences and one-click unsubscribe")
struct UnsubscribeTests {
    @Test("notification mail carries a List-Unsubscribe link; one click (RFC 8058) mutes that group; security mail still goes out")
    func oneClick() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.subscriber()
        try await TestApp.with { (app: TestApp) async throws in
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else { return }
            let mail = SubscriberMail(outbox: app.dependencies.outbox)
            let values: [String: any Sendable] = ["number": 1001, "title": "Dish", "actionUrl": resolved.url("/portal/work-orders/1001")]
            #expect(
                try await tenant.transaction { tx in try await mail.send(.workOrderReceived, to: customer, tenant: resolved, values: values, in: tx) }
            )
            let link = try #require(
                try await tenant.transaction { tx in
                    try await tx.scalar("SELECT list_unsubscribe FROM outbox WHERE kind = 'work_order_received'", as: String.self)
                })
            #expect(link.hasPrefix("http://\(tenant.host):8080/portal/unsubscribe/\(customer.id.uuidString.lowercased())/work_orders/"))
            let path = try #require(URLComponents(string: link)?.path)

            // A wrong key is an unknown page.
            #expect(try await app.get(String(path.dropLast(3)) + "xyz", host: tenant.host).status == .notFound)
            // The link opens a confirmation; the mail client's one-click POST needs no session or form token.
            #expect(try await app.get(path, host: tenant.host).status == .ok)
            let clicked = try await app.request(
                .post, path, host: tenant.host,
                headers: [.contentType: "application/x-www-form-urlencoded"], body: "List-Unsubscribe=One-Click")
            #expect(clicked.status == .ok)
            #expect(clicked.body.contains("You are unsubscribed"))

            let muted = try await tenant.transaction { tx in
                try await mail.send(.workOrderApproved, to: customer, tenant: resolved, values: values, in: tx)
            }
            #expect(muted == false)
            let appointments = try await tenant.transaction { tx in
                try await mail.send(.taskAssigned, to: customer, tenant: resolved, values: ["title": "x", "actionUrl": "y"], in: tx)
            }
            #expect(appointments == true)  // other groups still on
            let security = try await tenant.transaction { tx in
                let token = String(repeating: "t", count: 43)
                return try await mail.send(
                    .verifyEmail, to: customer, tenant: resolved, values: ["actionUrl": resolved.url("/portal/verify?token=\(token)")],
                    linkToken: token, in: tx)
            }
            #expect(security == true)
            let securityHeader = try await tenant.transaction { tx in
                try await tx.scalar("SELECT list_unsubscribe FROM outbox WHERE kind = 'verify_email'", as: String.self)
            }
            #expect(securityHeader == nil)
        }
    }

    @Test("the profile turns groups of email on and off")
    func profileToggles() async throws {
        let tenant = try await TestTenant.create()
        try await tenant.withSignedInSubscriber { _, browser, customer in
            try await browser.get("/portal/profile")
            let token = try #require(browser.csrfToken)
            let saved = try await browser.send(
                .post, "/portal/profile/notifications",
                body: "csrf_token=\(token)&enabled=appointments&enabled=tasks",
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: browser.origin])
            #expect(saved.body.contains("Your email preferences are saved"))
            let preferences = try await tenant.transaction { tx in
                try await tx.first("SELECT notification_preferences FROM customers WHERE id = \(customer.id)")!
                    .decodeJSON("notification_preferences", as: NotificationPreferences.self)
            }
            #expect(Set(preferences.muted) == ["work_orders", "news"])
        }
    }
}
