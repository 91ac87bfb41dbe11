import Hummingbird

/// `/branding.css` (the tenant's colours as CSS custom properties) and `/custom.css` (the
/// tenant's own stylesheet), each with an ETag so browsers revalidate cheaply.
struct BrandingController {
    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PublicRoutes.brandingCSS, use: brandingCSS)
        group.get(PublicRoutes.customCSS, use: customCSS)
    }

    @Sendable func brandingCSS(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let tenant = context.tenant
        return Self.css(tenant.branding.cssVariables, etag: "\"b-\(tenant.id)-\(tenant.branding.version)\"", request: request)
    }

    @Sendable func customCSS(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let tenant = context.tenant
        return Self.css(tenant.branding.customCss, etag: "\"c-\(tenant.id)-\(tenant.branding.version)\"", request: request)
    }

    static func css(_ text: String, etag: String, request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/css; charset=utf-8",
            .eTag: etag,
            .cacheControl: "no-cache",
        ]
        if request.headers[.ifNoneMatch] == etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
