import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Mailer
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// The whole path over real sockets: a browser registers on a running server, the server's
/// own outbox service delivers the verification email to a real SMTP server.
@Suite("Registration to inbox, live")
struct EndToEndMailTests {
    @Test("registering over HTTP produces a branded verification email at the SMTP relay, whose link verifies the address")
    func registrationEmailArrives() async throws {
        let urls = try await TestCluster.migratedScratchDatabase(prefix: "e2e")
        try await SMTPTestServer.with { server in
            let smtp = try SMTPConfiguration.parse(url: server.url, startTLS: false)
            let dependencies = try await TestApp.dependencies(databaseURL: urls.appURL, mailTransport: SMTPTransport(configuration: smtp))
            let tenant = try await TestTenant.create(name: "Live Wire Wireless", pool: dependencies.pool)
            let app = try buildApplication(dependencies, hostname: "127.0.0.1", port: 0)
            let email = "live-\(UUID().uuidString.prefix(6).lowercased())@example.net"
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let authority = "\(tenant.host):\(port)"
                try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                    let form = try await http.execute(TestClient.Request("/portal/register", method: .get, authority: authority))
                    #expect(form.head.status == .ok)
                    let html = String(buffer: form.body ?? ByteBuffer())
                    let token = try #require(Browser.firstMatch(in: html, after: "name=\"csrf_token\" value=\"", until: "\""))
                    let cookie = try #require(form.head.headerFields[values: .setCookie].first?.split(separator: ";").first.map(String.init))
                    let body = Browser.encode(["csrf_token": token, "name": "Lena Live", "email": email, "password": "a live and long passphrase"])
                    let posted = try await http.execute(
                        TestClient.Request(
                            "/portal/register", method: .post, authority: authority,
                            headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded", .origin: "http://\(authority)"],
                            body: ByteBuffer(string: body)
                        ))
                    #expect(posted.head.status == .ok)

                    let deadline = ContinuousClock.now + .seconds(15)
                    var received: ReceivedMail?
                    while received == nil && ContinuousClock.now < deadline {
                        received = try server.messages().first { $0.recipients == [email] }
                        if received == nil { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    let mail = try #require(received, "the verification email did not reach the relay")
                    let parsed = try await MIMEInspection.parse(mail.data)
                    #expect(parsed.value("Subject") == "Confirm your email address for Live Wire Wireless")
                    let text = try #require(parsed.parts.first { $0.contentType == "text/plain" }).text
                    let link = try #require(text.components(separatedBy: .whitespacesAndNewlines).first { $0.contains("/portal/verify?token=") })
                    #expect(link.hasPrefix("http://\(tenant.host):8080/"))
                    let path =
                        try #require(URLComponents(string: link)).percentEncodedPath + "?" + (URLComponents(string: link)?.percentEncodedQuery ?? "")
                    let verified = try await http.execute(TestClient.Request(path, method: .get, authority: authority))
                    #expect(verified.head.status == .ok)
                    #expect(String(buffer: verified.body ?? ByteBuffer()).contains("Email confirmed"))
                }
            }
            await dependencies.listener.stop()
            await dependencies.pool.close()
        }
        await urls.drop()
    }
}
