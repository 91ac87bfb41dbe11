import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Portico
import PorticoTestSupport
import Postgres
import ServiceLifecycle
import Testing

@Suite("Caddy's on-demand TLS ask endpoint, on the loopback listener only")
struct DomainTLSAskTests {
    /// Runs the real internal listener on a free loopback port for `body`.
    static func withInternalListener<T: Sendable>(_ app: TestApp, _ body: (SocketAddress) async throws -> T) async throws -> T {
        let (addresses, continuation) = AsyncStream<SocketAddress?>.makeStream()
        let internalApp = InternalListener.application(app.dependencies, port: 0) { address in continuation.yield(address) }
        let group = ServiceGroup(configuration: .init(services: [internalApp], logger: TestLogging.logger("internal")))
        let running = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await running.value
        }
        do {
            var iterator = addresses.makeAsyncIterator()
            let address = try #require(await iterator.next() ?? nil)
            let result = try await body(address)
            try await stop()
            return result
        } catch {
            try? await stop()
            throw error
        }
    }

    static func ask(_ client: TestClient, _ domain: String?) async throws -> HTTPResponse.Status {
        var path = "/internal/tls/ask"
        if let domain {
            path +=
                "?domain=" + (domain.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? domain)
        }
        return try await client.execute(TestClient.Request(path, method: .get, authority: "127.0.0.1")).head.status
    }

    @Test(
        "200 only for hosts served now: verified custom domains and platform subdomains of active tenants, the operator host; 404 otherwise; 400 when malformed"
    )
    func answers() async throws {
        let tenant = try await TestTenant.create(name: "Ask Wireless")
        let suspended = try await TestTenant.create(name: "Paused Ask Wireless")
        let verified = DomainTestSupport.uniqueDomain(tenant)
        let pending = DomainTestSupport.uniqueDomain(tenant, prefix: "pending")
        let doomed = DomainTestSupport.uniqueDomain(tenant, prefix: "doomed")
        let suspendedDomain = DomainTestSupport.uniqueDomain(suspended)
        try await tenant.transaction { tx in
            for (domain, isVerified) in [(verified, true), (pending, false), (doomed, true)] {
                try await tx.execute(
                    """
                    INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at)
                    VALUES (\(tx.tenant), \(domain), 'custom', 'token', CASE WHEN \(isVerified) THEN now() END)
                    """)
            }
        }
        try await suspended.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at)
                VALUES (\(tx.tenant), \(suspendedDomain), 'custom', 'token', now())
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            _ = try await PostgresTenantStore(pool: app.dependencies.pool).setStatus(.suspended, slug: suspended.slug)
            try await Self.withInternalListener(app) { address in
                #expect(address.ipAddress == "127.0.0.1")
                let port = try #require(address.port)
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    for domain in [verified, verified.uppercased() + ".", tenant.host, "operator.localhost", doomed] {
                        #expect(try await Self.ask(client, domain) == .ok, "\(domain)")
                    }
                    for domain in [
                        pending, suspendedDomain, suspended.host, "nobody-\(UUID().uuidString.prefix(6).lowercased()).localhost",
                        "unknown-\(UUID().uuidString.prefix(6).lowercased()).example.org", "localhost", "sub.\(tenant.host)", "203.0.113.5",
                    ] {
                        #expect(try await Self.ask(client, domain) == .notFound, "\(domain)")
                    }
                    for domain in [
                        nil, "", "bad domain.example.net", "a..example.net", "-x.example.net", "\(tenant.host):443",
                        "user@\(tenant.host)", String(repeating: "a", count: 64) + ".example.net", "[::1]",
                    ] {
                        #expect(try await Self.ask(client, domain) == .badRequest, "\(domain ?? "(none)")")
                    }

                    // Removed: no longer served, on this listener within a second.
                    try await tenant.transaction { tx in
                        try await tx.execute("DELETE FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND domain = \(doomed)")
                    }
                    try await eventually(timeout: .seconds(1)) { try await Self.ask(client, doomed) == .notFound }

                    // The internal listener serves nothing else.
                    for path in ["/", "/healthz", "/portal/login", "/admin/domains", "/internal/other"] {
                        let response = try await client.execute(TestClient.Request(path, method: .get, authority: tenant.host))
                        #expect(response.head.status == .notFound, "\(path)")
                    }
                    let post = try await client.execute(
                        TestClient.Request("/internal/tls/ask?domain=\(verified)", method: .post, authority: "127.0.0.1"))
                    #expect(post.head.status != .ok)
                }
            }
        }
    }

    @Test("the public listener answers 404 to /internal/… on every host, whatever the method")
    func notOnPublicRouter() async throws {
        let tenant = try await TestTenant.create()
        let domain = DomainTestSupport.uniqueDomain(tenant)
        try await tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token, verified_at)
                VALUES (\(tx.tenant), \(domain), 'custom', 'token', now())
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let hosts: [String?] = [tenant.host, domain, "operator.localhost", "127.0.0.1", "unknown.example.org", nil]
            for host in hosts {
                for path in ["/internal/tls/ask?domain=\(domain)", "/internal/tls/ask?domain=\(tenant.host)", "/internal", "/internal/"] {
                    let response = try await app.get(path, host: host)
                    #expect(response.status == .notFound, "\(host ?? "(no host)") \(path)")
                    #expect(!response.body.contains("ok\n"))
                }
                let posted = try await app.request(.post, "/internal/tls/ask?domain=\(domain)", host: host, body: "")
                #expect(posted.status == .notFound)
            }
            // Trusted-proxy headers change nothing.
            let proxied = try await app.request(
                .get, "/internal/tls/ask?domain=\(domain)", host: tenant.host,
                headers: [HTTPField.Name("X-Forwarded-For")!: "127.0.0.1"], peer: "127.0.0.1")
            #expect(proxied.status == .notFound)
        }
    }
}
