import Foundation
import Portico
import PorticoTestSupport
import Testing

/// What every part of `/api/v1` shares: the tenant comes from the Host header, errors have
/// one JSON shape (never an HTML page), and the document is served.
@Suite("API foundation")
struct APIFoundationTests {
    @Test("the OpenAPI document is served on a tenant host, as JSON, without credentials")
    func documentServed() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let response = try await APIClient(app: app, host: tenant.host).get("/api/v1/openapi.json")
            #expect(response.status == .ok)
            #expect(response["openapi"]?.string == "3.1.0")
            #expect(response["paths"]?["/openapi.json"] != nil)
        }
    }

    @Test("an unknown API path is a JSON 404 in the error shape, not a page")
    func unknownPath() async throws {
        let tenant = try await TestTenant.create()
        try await TestApp.with { (app: TestApp) async throws in
            let response = try await APIClient(app: app, host: tenant.host).get("/api/v1/no-such-thing")
            #expect(response.status == .notFound)
            #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(response.errorCode == "not_found")
            #expect(!response.body.contains("<html"))
        }
    }

    @Test("the API does not exist on the operator host or an unknown host")
    func notOnOtherHosts() async throws {
        try await TestApp.with { (app: TestApp) async throws in
            let unknown = try await app.get("/api/v1/openapi.json", host: "nobody-\(UUID().uuidString.prefix(6)).localhost")
            #expect(unknown.status == .notFound)
            let operatorSite = try await app.get("/api/v1/openapi.json", host: app.dependencies.configuration.operatorHost)
            #expect(operatorSite.status == .notFound)
            #expect(operatorSite.header("Content-Type")?.hasPrefix("application/json") == true)
        }
    }
}

/// Access and refresh tokens at the store: issue, authenticate, rotate, detect reuse, revoke.
/// (The HTTP endpoints have their own suite; this pins the rules they rely on.)
@Suite("Subscriber token store")
struct SubscriberTokenStoreTests {
    let store = PostgresSubscriberTokenStore()
    let origin = RequestOrigin(ip: "192.0.2.1", userAgent: "test")

    @Test("an issued access token authenticates its subscriber in its tenant only")
    func authenticate() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (organization, customer) = try await tenant.subscriber()
        let tokens = try await tenant.transaction { tx in try await store.issue(customer: customer.id, origin: origin, in: tx) }
        #expect(tokens.accessToken.hasPrefix("pa_") && tokens.refreshToken.hasPrefix("pr_"))
        #expect(tokens.expiresIn == 900)
        let subscriber = try await tenant.transaction { tx in try await store.authenticate(accessToken: tokens.accessToken, in: tx) }
        #expect(subscriber?.customer.id == customer.id)
        #expect(subscriber?.customer.organizationId == organization.id)
        let elsewhere = try await other.transaction { tx in try await store.authenticate(accessToken: tokens.accessToken, in: tx) }
        #expect(elsewhere == nil)
        // Refresh tokens are not access tokens.
        let wrongKind = try await tenant.transaction { tx in try await store.authenticate(accessToken: tokens.refreshToken, in: tx) }
        #expect(wrongKind == nil)
        // Only hashes are stored.
        let stored = try await tenant.transaction { tx in
            try await tx.scalar(
                "SELECT count(*)::int FROM api_tokens WHERE token_hash = \(tokens.accessToken) OR token_hash = \(tokens.refreshToken)", as: Int.self)
        }
        #expect(stored == 0)
    }

    @Test("refresh rotates: the new pair works, the old access token ends, the old refresh token is single use and its reuse revokes the family")
    func rotationAndReuse() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.subscriber()
        let first = try await tenant.transaction { tx in try await store.issue(customer: customer.id, origin: origin, in: tx) }
        let outcome = try await tenant.transaction { tx in try await store.refresh(first.refreshToken, origin: origin, in: tx) }
        guard case .rotated(let second, let rotatedFor) = outcome else { Issue.record("expected rotation, got \(outcome)"); return }
        #expect(rotatedFor == customer.id)
        #expect(second.refreshToken != first.refreshToken)
        let (oldAccess, newAccess) = try await tenant.transaction { tx in
            (
                try await store.authenticate(accessToken: first.accessToken, in: tx),
                try await store.authenticate(accessToken: second.accessToken, in: tx)
            )
        }
        #expect(oldAccess == nil)
        #expect(newAccess?.customer.id == customer.id)
        // The first refresh token again: reuse. The family, the second pair included, is revoked.
        let replay = try await tenant.transaction { tx in try await store.refresh(first.refreshToken, origin: origin, in: tx) }
        guard case .reused(let reusedBy) = replay else { Issue.record("expected reuse, got \(replay)"); return }
        #expect(reusedBy == customer.id)
        let secondAfterReuse = try await tenant.transaction { tx in try await store.authenticate(accessToken: second.accessToken, in: tx) }
        #expect(secondAfterReuse == nil)
        let afterRevocation = try await tenant.transaction { tx in try await store.refresh(second.refreshToken, origin: origin, in: tx) }
        guard case .invalid = afterRevocation else { Issue.record("expected invalid, got \(afterRevocation)"); return }
    }

    @Test("revoking a family leaves the subscriber's other sign-ins alone; suspension ends them all")
    func revocation() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.subscriber()
        let phone = try await tenant.transaction { tx in try await store.issue(customer: customer.id, origin: origin, in: tx) }
        let tablet = try await tenant.transaction { tx in try await store.issue(customer: customer.id, origin: origin, in: tx) }
        let phoneFamily = try await tenant.transaction { tx in try await store.authenticate(accessToken: phone.accessToken, in: tx)!.tokenFamily }
        try await tenant.transaction { tx in try await store.revokeFamily(phoneFamily, in: tx) }
        let (phoneAfter, tabletAfter) = try await tenant.transaction { tx in
            (
                try await store.authenticate(accessToken: phone.accessToken, in: tx),
                try await store.authenticate(accessToken: tablet.accessToken, in: tx)
            )
        }
        #expect(phoneAfter == nil)
        #expect(tabletAfter != nil)
        let tabletSuspended = try await tenant.transaction { tx in
            try await tx.execute("UPDATE customers SET status = 'suspended' WHERE id = \(customer.id)")
            return try await store.authenticate(accessToken: tablet.accessToken, in: tx)
        }
        #expect(tabletSuspended == nil)
    }
}
