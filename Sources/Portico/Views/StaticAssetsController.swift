import Hummingbird

/// `/static/<theme>/<path>`: theme assets preloaded at start-up (a theme falls back to
/// `default`). Only files that exist in `Themes/` can be named, so there is no path to walk.
struct StaticAssetsController {
    let themes: ThemeLibrary

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.get(PublicRoutes.staticAsset, use: asset)
    }

    @Sendable func asset(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let theme = context.parameters.get("theme") else { throw AppError.notFound() }
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard let asset = themes.asset(theme: theme, path: path) else { throw AppError.notFound("file") }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=3600"]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// The theme's `favicon.ico` (a plain mark naming no one): for tenants without a favicon of
    /// their own and for the operator console.
    static func neutralFavicon(themes: ThemeLibrary, theme: String = "default", request: Request) throws -> Response {
        guard let asset = themes.asset(theme: theme, path: "favicon.ico") else { throw AppError.notFound("file") }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=300"]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
