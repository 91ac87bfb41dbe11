import Hummingbird

/// A rendered HTML page.
public struct HTML: ResponseGenerator, Sendable {
    public let body: String
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ body: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.body = body
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "text/html; charset=utf-8"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
