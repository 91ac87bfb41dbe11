import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Outbox in the staff console and notification settings")
struct OutboxAdminTests {
    @Test("staff see failed mail with its last error and can queue it again; another tenant's mail is never listed or retried")
    func retryDeadMail() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let (_, customer) = try await tenant.subscriber()
        let (_, foreignCustomer) = try await other.subscriber()
        try await TestApp.with { (app: TestApp) async throws in
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host),
                case .tenant(let foreignResolved) = try await app.dependencies.directory.resolve(host: other.host)
            else { Issue.record("tenants did not resolve"); return }
            try await tenant.transaction { tx in
                try await app.dependencies.outbox.enqueue(
                    .welcome, to: customer.email, name: customer.name, tenant: resolved,
                    values: ["actionUrl": resolved.url("/portal")], in: tx)
                try await tx.execute(
                    "UPDATE outbox SET status = 'dead', attempts = 10, last_error = 'Gave up after 10 attempts. Last error: 451 try later'")
            }
            let foreignID = try await other.transaction { tx in
                try await app.dependencies.outbox.enqueue(
                    .welcome, to: foreignCustomer.email, name: "", tenant: foreignResolved,
                    values: ["actionUrl": foreignResolved.url("/portal")], in: tx)
                try await tx.execute("UPDATE outbox SET status = 'dead'")
                return try await tx.first("SELECT id FROM outbox")!.decode("id", as: UUID.self)
            }
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            let page = try await console.get("/admin/outbox")
            #expect(page.body.contains("Gave up after 10 attempts"))
            #expect(!page.body.contains(foreignCustomer.email))
            let id = try #require(Browser.firstMatch(in: page.body, after: "action=\"/admin/outbox/", until: "/"))
            let retried = try await console.post("/admin/outbox/\(id)/retry")
            #expect(retried.body.contains("queued again"))
            let row = try await tenant.transaction { tx in try await tx.first("SELECT status, attempts FROM outbox")! }
            #expect(try row.decode("status", as: String.self) == "queued")
            #expect(try row.decode("attempts", as: Int.self) == 0)
            // Another tenant's message id: the same 404 as a missing one, and nothing changes.
            try await console.get("/admin/outbox")
            #expect(try await console.post("/admin/outbox/\(foreignID.uuidString.lowercased())/retry").status == .notFound)
            try await console.get("/admin/outbox")
            #expect(try await console.post("/admin/outbox/\(UUID().uuidString.lowercased())/retry").status == .notFound)
            let foreignStatus = try await other.transaction { tx in try await tx.scalar("SELECT status FROM outbox", as: String.self) }
            #expect(foreignStatus == "dead")
        }
    }

    @Test("an admin switches a notification off; security mail cannot be switched off")
    func notificationSettings() async throws {
        let tenant = try await TestTenant.create()
        let admin = try await tenant.staff(role: .admin)
        let (_, customer) = try await tenant.subscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: tenant.host)
            try await console.signInStaff(admin.email)
            try await console.get("/admin/settings/notifications")
            // Everything except "welcome" stays on.
            let enabled = NotificationKind.allCases.filter { !$0.isSecurity && $0 != .welcome && $0 != .staffNotice }.map(\.rawValue)
            var body = ["csrf_token": console.csrfToken ?? ""]
            for (index, kind) in enabled.enumerated() { body["enabled_\(index)"] = kind }
            let encoded = Browser.encode(["csrf_token": console.csrfToken ?? ""]) + "&" + enabled.map { "enabled=\($0)" }.joined(separator: "&")
            let saved = try await console.send(
                .post, "/admin/settings/notifications", body: encoded,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: console.origin])
            #expect(saved.status == .ok)
            guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else { return }
            let (welcome, verify) = try await tenant.transaction { tx in
                let welcome = try await app.dependencies.outbox.enqueue(.welcome, to: customer.email, name: "", tenant: resolved, in: tx)
                let token = String(repeating: "t", count: 43)
                let verify = try await app.dependencies.outbox.enqueue(
                    .verifyEmail, to: customer.email, name: "", tenant: resolved,
                    values: ["actionUrl": resolved.url("/portal/verify?token=\(token)")],
                    linkToken: token, in: tx)
                return (welcome, verify)
            }
            #expect(welcome == false)
            #expect(verify == true)
        }
    }
}
