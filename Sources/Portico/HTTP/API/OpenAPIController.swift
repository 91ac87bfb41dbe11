import Hummingbird

/// Serves the API's own description, without authentication, on every tenant host.
struct OpenAPIController {
    let document: OpenAPIDocument

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get(SubscriberAPIRoutes.openAPIDocument, use: openAPI)
    }

    @Sendable func openAPI(_ request: Request, context: APIRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(bytes: document.json))
        )
    }
}
