import Foundation
import HTTPTypes
import Logging
import Portico
import PorticoTestSupport
import Testing

/// The access log: one line per request naming the route pattern (never the path or query a
/// client sent: several carry secrets), the tenant, the client address after the trusted-proxy
/// rules, the request id, the status and the duration.
@Suite("Access log")
struct AccessLogTests {
    static let proxy = "203.0.113.9"

    func configuration() -> AppConfiguration {
        TestApp.configuration(trustedProxies: [IPNetwork(Self.proxy)!])
    }

    func secret() -> String { "SECRET" + UUID().uuidString.replacingOccurrences(of: "-", with: "") }

    @Test("secret-bearing paths and queries are logged as their route pattern; no token reaches any log line")
    func noTokensInTheLog() async throws {
        let tenant = try await TestTenant.create()
        let capture = LogCapture()
        try await TestApp.with(configuration: configuration(), logger: capture.logger("app")) { app in
            let token = secret()
            let cases: [(host: String, path: String, route: String)] = [
                ("operator.localhost", "/operator/setup/\(token)", "/operator/setup/{token}"),
                (tenant.host, "/admin/invite/\(token)", "/admin/invite/{token}"),
                (tenant.host, "/portal/invite/\(token)", "/portal/invite/{token}"),
                (tenant.host, "/calendar/\(token).ics", "/calendar/{file}"),
                (tenant.host, "/portal/unsubscribe/\(UUID())/product/\(token)", "/portal/unsubscribe/{customer}/{group}/{key}"),
                (tenant.host, "/portal/reset-password?token=\(token)", "/portal/reset-password"),
                (tenant.host, "/portal/verify?token=\(token)", "/portal/verify"),
                (tenant.host, "/no/such/page/\(token)", "-"),
            ]
            for entry in cases {
                let before = capture.accessLines.count
                let response = try await app.get(entry.path, host: entry.host)
                let lines = capture.accessLines.dropFirst(before)
                let line = try #require(lines.first, "no access line for \(entry.route)")
                #expect(lines.count == 1)
                #expect(line.metadata["route"] == entry.route)
                #expect(line.metadata["status"] == "\(response.status.code)")
            }
            let leaking = capture.records.filter { $0.text.contains(token) }
            #expect(leaking.isEmpty, "the token appears in: \(leaking.map(\.message))")
        }
    }

    @Test("the line carries method, route, status, duration, tenant slug, client IP after the proxy rules and the request id")
    func fields() async throws {
        let tenant = try await TestTenant.create()
        let capture = LogCapture()
        try await TestApp.with(configuration: configuration(), logger: capture.logger("app")) { app in
            // Through the trusted proxy: the client is the address it forwarded.
            let proxied = try await app.request(
                .get, "/portal/login", host: tenant.host,
                headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.23"], peer: Self.proxy)
            // From anywhere else: X-Forwarded-For is not believed.
            let direct = try await app.request(
                .get, "/portal/login", host: tenant.host,
                headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.99"], peer: "192.0.2.44")
            let lines = capture.accessLines
            #expect(lines.count == 2)
            let first = try #require(lines.first).metadata
            #expect(first["method"] == "GET")
            #expect(first["route"] == "/portal/login")
            #expect(first["status"] == "200")
            #expect(first["tenant"] == tenant.slug)
            #expect(first["client_ip"] == "198.51.100.23")
            #expect(first["request_id"] == proxied.header("X-Request-ID"))
            #expect(Double(first["duration_ms"] ?? "") != nil)
            let second = try #require(lines.last).metadata
            #expect(second["client_ip"] == "192.0.2.44")
            #expect(second["request_id"] == direct.header("X-Request-ID"))
            #expect(second["request_id"] != first["request_id"])
            #expect(lines.allSatisfy { $0.level == .info })
        }
    }

    @Test("LOG_FORMAT=json: every line parses as one JSON object with the access fields at the top level")
    func jsonLines() async throws {
        let tenant = try await TestTenant.create()
        let capture = LogCapture()
        try await TestApp.with(configuration: configuration(), logger: capture.jsonLogger("portico")) { app in
            _ = try await app.get("/portal/invite/\(secret())", host: tenant.host)
            _ = try await app.get("/healthz", host: tenant.host)
        }
        let objects = try capture.jsonLines.map { line -> [String: Any] in
            #expect(!line.contains("\n"))
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        let access = try #require(objects.first { $0["msg"] as? String == "request" && $0["route"] as? String == "/portal/invite/{token}" })
        #expect(access["level"] as? String == "info")
        #expect(access["label"] as? String == "portico")
        #expect(access["tenant"] as? String == tenant.slug)
        #expect(access["status"] as? String == "200" || access["status"] as? String == "404")
        #expect(access["request_id"] is String && access["client_ip"] is String && access["duration_ms"] is String)
        let timestamp = try #require(access["ts"] as? String)
        #expect(timestamp.hasSuffix("Z") && timestamp.contains("T"))
        #expect(!capture.jsonLines.contains { $0.contains("SECRET") })
    }

    @Test("JSON lines escape what they carry and keep nested metadata nested")
    func jsonEncoding() throws {
        let line = JSONLogHandlerProbe.line(
            message: "quote \" newline \n tab \t",
            metadata: [
                "path": "a\\b", "list": ["x", "y"], "nested": ["k": "v"], "msg": "shadowed",
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "quote \" newline \n tab \t")
        #expect(object["meta.msg"] as? String == "shadowed")
        #expect(object["path"] as? String == "a\\b")
        #expect(object["list"] as? [String] == ["x", "y"])
        #expect((object["nested"] as? [String: String])?["k"] == "v")
        #expect(!line.contains("\n"))
    }
}

/// Writes one record through Portico's JSON handler and returns the line.
enum JSONLogHandlerProbe {
    static func line(message: String, metadata: Logger.Metadata) -> String {
        let capture = LogCapture()
        var logger = capture.jsonLogger("probe")
        logger.logLevel = .info
        logger.info("\(message)", metadata: metadata)
        return capture.jsonLines.first ?? ""
    }
}
