import Hummingbird

/// Security headers on every response, errors included: a CSP without inline script,
/// `nosniff`, a referrer policy, no framing, and HSTS when served over https. A handler may
/// set its own CSP or referrer policy (a stricter one, or one naming a logo's origin); those
/// are kept.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let https: Bool

    static var defaultPolicy: String {
        contentSecurityPolicy(imageSources: [])
    }

    static func contentSecurityPolicy(imageSources: [String]) -> String {
        let images = (["'self'", "data:"] + imageSources).joined(separator: " ")
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src \(images); font-src 'self'; "
            + "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.defaultPolicy
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.referrerPolicy] == nil {
            response.headers[.referrerPolicy] = "same-origin"
        }
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        response.headers[.permissionsPolicy] = "camera=(), microphone=(), geolocation=()"
        if https {
            response.headers[.strictTransportSecurity] = "max-age=63072000; includeSubDomains"
        }
        return response
    }
}
