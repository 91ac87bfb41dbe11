import HTTPTypes
import Hummingbird

/// A method no route of any surface takes (TRACE, CONNECT, QUERY, WebDAV's PROPFIND, an
/// invented one) is answered here, once, before routing: 501 Not Implemented, the answer
/// RFC 9110 gives for a method the server supports for no resource. Past this point every
/// request carries a method the route table knows, so the unmatched-route claims
/// (`UnmatchedRoutes`) never meet a method they did not claim, and nothing an unknown method
/// does reaches the router's own thrown 404 — which the access log would see as an error.
struct UnsupportedMethodMiddleware<Context: RequestContext>: RouterMiddleware {
    static var supported: Set<HTTPRequest.Method> { Set(UnmatchedRoutes.methods) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.supported.contains(request.method) else {
            return Response(
                status: .notImplemented,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "Portico does not support the \(request.method.rawValue) method.\n"))
            )
        }
        return try await next(request, context)
    }
}
