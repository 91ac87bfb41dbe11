import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Portico

extension TestApp {
    /// Sends a request whose body is raw bytes (uploads in any encoding, binary files).
    public func request(
        _ method: HTTPRequest.Method, _ path: String, host: String?, headers: HTTPFields = [:], bytes: [UInt8],
        peer: String = "203.0.113.9"
    ) async throws -> HTTPTestResponse {
        var fields = headers
        if fields[.contentLength] == nil { fields[.contentLength] = String(bytes.count) }
        return try await send(method, path, host: host, headers: fields, body: RequestBody(buffer: ByteBuffer(bytes: bytes)), peer: peer)
    }
}

extension Browser {
    /// Sends raw bytes with this browser's cookies (the CSRF token of the last page is not
    /// added: put it in the body yourself).
    @discardableResult
    public func send(_ method: HTTPRequest.Method, _ path: String, bytes: [UInt8], headers: HTTPFields) async throws -> HTTPTestResponse {
        var headers = headers
        let cookie = cookieHeader
        if !cookie.isEmpty && headers[.cookie] == nil { headers[.cookie] = cookie }
        if headers[.userAgent] == nil { headers[.userAgent] = "PorticoTestBrowser/1.0" }
        let response = try await app.request(method, path, host: host, headers: headers, bytes: bytes, peer: peer)
        absorbCookies(response)
        return response
    }

    /// Submits a `multipart/form-data` form as a browser would: text fields (the last page's
    /// CSRF token unless given) and one file.
    @discardableResult
    public func upload(
        _ path: String, fields: [String: String] = [:], fileField: String = "file", fileName: String,
        contentType: String = "text/csv", file: [UInt8], includeCSRF: Bool = true
    ) async throws -> HTTPTestResponse {
        var fields = fields
        if includeCSRF, fields["csrf_token"] == nil, let token = csrfToken { fields["csrf_token"] = token }
        let boundary = "----PorticoTestBoundary\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                .utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        var headers: HTTPFields = [:]
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        headers[.origin] = origin
        headers[HTTPField.Name("Sec-Fetch-Site")!] = "same-origin"
        return try await send(.post, path, bytes: body, headers: headers)
    }
}
