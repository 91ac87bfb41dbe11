import HTTPTypes
import Hummingbird

/// A method no route of any surface takes (TRACE, CONNECT, QUERY, WebDAV's PROPFIND, an
/// invented one) is answered here, once, before routing: 405 Method Not Allowed, with `Allow`
/// naming the methods Portico serves at all (which of them a given address takes, its own
/// route answers; a known method an address does not take gets that surface's 404). A 5xx would
/// tell clients and monitors the server failed, when the request was the problem. Past this point every
/// request carries a method the route table knows, so the unmatched-route claims
/// (`UnmatchedRoutes`) never meet a method they did not claim, and nothing an unknown method
/// does reaches the router's own thrown 404 — which the access log would see as an error.
struct UnsupportedMethodMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let supported = Set(UnmatchedRoutes.methods)

    static let allowed = UnmatchedRoutes.methods.map(\.rawValue).joined(separator: ", ")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.supported.contains(request.method) else {
            return Response(
                status: .methodNotAllowed,
                headers: [.contentType: "text/plain; charset=utf-8", .allow: Self.allowed],
                body: .init(byteBuffer: ByteBuffer(string: "Portico does not support the \(request.method.rawValue) method.\n"))
            )
        }
        return try await next(request, context)
    }
}
