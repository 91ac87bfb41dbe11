import Foundation
import HTTPTypes
import Hummingbird
import Portico
import Postgres

/// A browser for in-process tests: keeps cookies for one host, remembers the CSRF token of the
/// last page, and sends `Origin` and `Sec-Fetch-Site` the way a browser does.
public final class Browser: @unchecked Sendable {
    public let app: TestApp
    public let host: String
    /// Each browser has its own address, so per-IP rate limits of parallel tests stay apart.
    public let peer: String
    public private(set) var cookies: [String: String] = [:]
    public private(set) var lastPage: HTTPTestResponse?
    private let lock = NSLock()

    public init(app: TestApp, host: String, peer: String? = nil) {
        self.app = app
        self.host = host
        self.peer = peer ?? "198.18.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
    }

    public var origin: String { "http://\(host)" }

    public func cookie(_ name: String) -> String? { lock.withLock { cookies[name] } }

    public func setCookie(_ name: String, _ value: String?) { lock.withLock { cookies[name] = value } }

    public var cookieHeader: String {
        lock.withLock { cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
    }

    @discardableResult
    public func get(_ path: String, headers: HTTPFields = [:]) async throws -> HTTPTestResponse {
        try await send(.get, path, body: nil, headers: headers)
    }

    /// Submits a form as the browser would, with the CSRF token of the last page (unless the
    /// fields carry their own `csrf_token`).
    @discardableResult
    public func post(
        _ path: String, _ fields: [String: String] = [:], headers: HTTPFields = [:], includeCSRF: Bool = true
    ) async throws -> HTTPTestResponse {
        var fields = fields
        if includeCSRF, fields["csrf_token"] == nil, let token = csrfToken { fields["csrf_token"] = token }
        var headers = headers
        if headers[.origin] == nil { headers[.origin] = origin }
        if headers[.secFetchSiteName] == nil { headers[.secFetchSiteName] = "same-origin" }
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, body: Browser.encode(fields), headers: headers)
    }

    /// Posts a body the test built (a multipart form), with the browser's cookies, `Origin` and
    /// `Sec-Fetch-Site`. The CSRF token is the caller's business: it lives inside the body.
    @discardableResult
    public func post(
        _ path: String, contentType: String, body: RequestBody, contentLength: Int?, headers: HTTPFields = [:]
    ) async throws -> HTTPTestResponse {
        var headers = headers
        if headers[.origin] == nil { headers[.origin] = origin }
        if headers[.secFetchSiteName] == nil { headers[.secFetchSiteName] = "same-origin" }
        headers[.contentType] = contentType
        if let contentLength { headers[.contentLength] = String(contentLength) }
        let cookie = cookieHeader
        if !cookie.isEmpty && headers[.cookie] == nil { headers[.cookie] = cookie }
        if headers[.userAgent] == nil { headers[.userAgent] = "PorticoTestBrowser/1.0" }
        let response = try await app.send(.post, path, host: host, headers: headers, body: body, peer: peer)
        absorbCookies(response)
        if response.header("Content-Type")?.hasPrefix("text/html") == true {
            lock.withLock { lastPage = response }
        }
        return response
    }

    public func send(_ method: HTTPRequest.Method, _ path: String, body: String?, headers: HTTPFields) async throws -> HTTPTestResponse {
        var headers = headers
        let cookie = cookieHeader
        if !cookie.isEmpty && headers[.cookie] == nil { headers[.cookie] = cookie }
        if headers[.userAgent] == nil { headers[.userAgent] = "PorticoTestBrowser/1.0" }
        let response = try await app.request(method, path, host: host, headers: headers, body: body, peer: peer)
        absorbCookies(response)
        if response.header("Content-Type")?.hasPrefix("text/html") == true {
            lock.withLock { lastPage = response }
        }
        return response
    }

    func absorbCookies(_ response: HTTPTestResponse) {
        for header in response.headers("Set-Cookie") {
            let pair = header.split(separator: ";", maxSplits: 1).first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let name = String(parts[0]).trimmingCharacters(in: .whitespaces)
            let value = String(parts[1])
            let expired = header.lowercased().contains("max-age=0")
            lock.withLock { cookies[name] = (expired || value.isEmpty) ? nil : value }
        }
    }

    /// The `csrf_token` of the last HTML page.
    public var csrfToken: String? {
        guard let body = lock.withLock({ lastPage?.body }) else { return nil }
        return Browser.firstMatch(in: body, after: "name=\"csrf_token\" value=\"", until: "\"")
    }

    public static func encode(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }

    public static func firstMatch(in text: String, after prefix: String, until terminator: Character) -> String? {
        guard let range = text.range(of: prefix) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != terminator })
    }
}

extension HTTPField.Name {
    static let secFetchSiteName = HTTPField.Name("Sec-Fetch-Site")!
}

/// Reading what the outbox holds, as a mailbox would: bodies as they will be sent, with the
/// one-time link's token (kept out of the stored bodies) put back while the row still has it.
public enum TestMailbox {
    public struct Message: Sendable {
        public let kind: String
        public let recipient: String
        public let subject: String
        public let text: String
        public let html: String?
        public let messageID: String

        /// The first URL in the text body.
        public var link: String? {
            guard let start = text.range(of: "http") else { return nil }
            return String(text[start.lowerBound...].prefix { !$0.isWhitespace })
        }

        /// The path and query of the first link.
        public var linkPath: String? {
            guard let link, let components = URLComponents(string: link) else { return nil }
            return components.percentEncodedPath + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
        }
    }

    public static func messages(to recipient: String, tenant: TenantID, kind: String? = nil, pool: ConnectionPool? = nil) async throws -> [Message] {
        let shared = try await TestCluster.database().appPool
        let pool = pool ?? shared
        return try await pool.withTenant(tenant) { tx in
            try await tx.rows(
                """
                SELECT kind, recipient, subject, text_body, html_body, message_id, link_token FROM outbox
                 WHERE recipient = \(recipient.lowercased()) AND (\(kind)::text IS NULL OR kind = \(kind)) ORDER BY created_at, id
                """
            ).map {
                let token = try $0.decode("link_token", as: String?.self)
                func complete(_ body: String) -> String { token.map { body.replacingOccurrences(of: Outbox.linkTokenPlaceholder, with: $0) } ?? body }
                return Message(
                    kind: try $0.decode("kind"), recipient: try $0.decode("recipient"), subject: try $0.decode("subject"),
                    text: complete(try $0.decode("text_body")), html: try $0.decode("html_body", as: String?.self).map(complete),
                    messageID: try $0.decode("message_id"))
            }
        }
    }

    public static func latest(to recipient: String, tenant: TenantID, kind: String) async throws -> Message? {
        try await messages(to: recipient, tenant: tenant, kind: kind).last
    }
}
