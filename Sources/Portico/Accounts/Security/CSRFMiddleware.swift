import Foundation
import Hummingbird
import PorticoCrypto

/// Cross-site request forgery defence for every state-changing request on a tenant host:
///
/// 1. the browser's own statement of where the request came from — `Sec-Fetch-Site` must be
///    `same-origin` (a sibling tenant's subdomain is `same-site`, which is refused) and
///    `Origin`, when sent, must be this very origin (or `null` from a same-origin page);
/// 2. a synchronizer token: the form field `csrf_token` must equal the session's token (or,
///    signed out, the anonymous token in its cookie).
///
/// Multipart uploads are streamed, so their handlers check the token field themselves
/// (`CSRF.verify`), which must come before any file in the form. It sits on the page route
/// groups only: the JSON API uses bearer tokens, not cookies, and the one-click unsubscribe
/// route (RFC 8058: mail clients post it, authenticated by the secret in its URL; all it can
/// do is switch notification mail off) is registered outside it.
struct CSRFMiddleware<Context: CSRFProtectedContext>: RouterMiddleware {

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else {
            return try await next(request, context)
        }
        try CSRF.checkOrigin(request, context: context)
        let contentType = request.headers[.contentType] ?? ""
        if contentType.hasPrefix("multipart/form-data") {
            return try await next(request, context)
        }
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let form = FormFields(urlEncoded: String(buffer: body))
        try CSRF.verify(token: form["csrf_token"], context: context)
        return try await next(request, context)
    }
}

enum CSRF {
    static func failure(_ detail: String) -> AppError {
        AppError(
            .forbidden, code: "csrf_failed",
            "This form could not be accepted (\(detail)). It may have been open too long or come from another site. Go back, reload the page, and submit it again."
        )
    }

    static func checkOrigin(_ request: Request, context: some CSRFProtectedContext) throws {
        if let site = request.headers[.secFetchSite]?.lowercased(), site != "same-origin", site != "none" {
            throw failure("it was sent from another site")
        }
        if let origin = request.headers[.origin] {
            // A page served with a strict referrer policy (a user's browser setting, an
            // extension) makes Chromium send `Origin: null` for its own forms. `null` is also
            // what a sandboxed frame on an attacker's site sends, so it passes only together
            // with `Sec-Fetch-Site: same-origin`, which a browser sets and a page cannot forge.
            if origin == "null" {
                guard request.headers[.secFetchSite]?.lowercased() == "same-origin" else {
                    throw failure("its origin is not valid")
                }
                return
            }
            guard let components = URLComponents(string: origin), let host = components.host else {
                throw failure("its origin is not valid")
            }
            let port = components.port.map { ":\($0)" } ?? ""
            if "\(host.lowercased())\(port)" != context.requestHost.lowercased() {
                throw failure("it was sent from another site")
            }
        }
    }

    static func verify(token: String?, context: some CSRFProtectedContext) throws {
        guard let token, !token.isEmpty, !context.csrfToken.isEmpty, context.newAnonymousCSRFToken == nil else {
            throw failure("its security token is missing")
        }
        guard Digest.constantTimeEquals(token, context.csrfToken) else {
            throw failure("its security token does not match")
        }
    }
}

/// A context that knows the CSRF token its forms carry and the host the client addressed.
public protocol CSRFProtectedContext: RequestContext {
    var csrfToken: String { get }
    var requestHost: String { get }
    var newAnonymousCSRFToken: String? { get }
}

extension TenantRequestContext: CSRFProtectedContext {}
