import Foundation
import HTTPTypes
import Hummingbird
import Portico

/// A response of the API as a test sees it: status, headers, the body as text and as JSON.
public struct APIResponse: Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    public let body: String
    public let bytes: [UInt8]
    /// The body parsed as JSON (nil when empty or not JSON).
    public let json: JSONValue?

    public func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    public subscript(key: String) -> JSONValue? { json?[key] }
    /// `error.code` of an error response.
    public var errorCode: String? { json?["error"]?["code"]?.string }
    public var errorFields: [String: String] {
        (json?["error"]?["fields"]?.object ?? [:]).compactMapValues(\.string)
    }

    /// Decodes the body (snake_case keys, RFC 3339 dates) into a test's own type.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(bytes))
    }

    public var description: String { "\(status.code) \(body.prefix(400))" }
}

/// A response that the OpenAPI document does not describe: a failed test.
public struct APIContractViolation: Error, CustomStringConvertible {
    public let description: String
}

/// A client of `/api/v1` for one tenant host, sending requests in-process like `Browser`.
/// Every response is checked against the OpenAPI document — the documented status codes and
/// the schema of the body — and a mismatch throws, so each API test also tests the document.
public struct APIClient: Sendable {
    public let app: TestApp
    public let host: String
    /// A bearer credential sent with every request unless a call overrides it.
    public var token: String?
    /// Each client has its own address, so per-IP rate limits of parallel tests stay apart.
    public let peer: String

    public init(app: TestApp, host: String, token: String? = nil, peer: String? = nil) {
        self.app = app
        self.host = host
        self.token = token
        self.peer = peer ?? "198.19.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
    }

    /// The same client with another credential.
    public func with(token: String?) -> APIClient {
        var copy = self
        copy.token = token
        return copy
    }

    @discardableResult
    public func get(_ path: String, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.get, path, headers: headers)
    }

    @discardableResult
    public func delete(_ path: String, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.delete, path, headers: headers)
    }

    /// Sends `json` (a dictionary or array literal of JSON values) as the body.
    @discardableResult
    public func post(_ path: String, json: Any? = nil, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.post, path, body: json.map(Self.encode), headers: headers)
    }

    @discardableResult
    public func put(_ path: String, json: Any, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.put, path, body: Self.encode(json), headers: headers)
    }

    @discardableResult
    public func patch(_ path: String, json: Any, headers: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.patch, path, body: Self.encode(json), headers: headers)
    }

    /// Sends a raw body (malformed JSON, another content type, a huge body …).
    @discardableResult
    public func send(
        _ method: HTTPRequest.Method, _ path: String, body: String? = nil,
        contentType: String? = "application/json", headers: HTTPFields = [:]
    ) async throws -> APIResponse {
        var fields = headers
        if let token, fields[.authorization] == nil { fields[.authorization] = "Bearer \(token)" }
        if body != nil, let contentType, fields[.contentType] == nil { fields[.contentType] = contentType }
        if fields[.userAgent] == nil { fields[.userAgent] = "PorticoTestAPIClient/1.0" }
        let response = try await app.request(method, path, host: host, headers: fields, body: body, peer: peer)
        return try checked(method, path, response)
    }

    /// Sends a prepared body (multipart uploads).
    @discardableResult
    public func send(
        _ method: HTTPRequest.Method, _ path: String, contentType: String, bytes: [UInt8],
        headers: HTTPFields = [:]
    ) async throws -> APIResponse {
        var fields = headers
        if let token, fields[.authorization] == nil { fields[.authorization] = "Bearer \(token)" }
        fields[.contentType] = contentType
        fields[.contentLength] = String(bytes.count)
        if fields[.userAgent] == nil { fields[.userAgent] = "PorticoTestAPIClient/1.0" }
        let response = try await app.send(
            method, path, host: host, headers: fields,
            body: RequestBody(buffer: ByteBuffer(bytes: bytes)), peer: peer)
        return try checked(method, path, response)
    }

    static func encode(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    func checked(_ method: HTTPRequest.Method, _ path: String, _ response: HTTPTestResponse) throws -> APIResponse {
        let isJSON = response.header("Content-Type")?.hasPrefix("application/json") == true
        let json = isJSON && !response.body.isEmpty ? try? JSONValue.parse(response.body) : nil
        let result = APIResponse(status: response.status, headers: response.headers, body: response.body, bytes: response.bytes, json: json)
        try OpenAPIContract.shared.check(method: method, path: path, response: result)
        return result
    }
}
