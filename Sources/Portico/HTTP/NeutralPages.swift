import Hummingbird
import Mustache

/// Pages for requests that belong to no tenant: they carry no tenant's name or branding.
struct NeutralPages: Sendable {
    let renderer: PageRenderer

    @MustacheView
    struct View {
        let layout: LayoutModel
        let heading: String
        let message: String
    }

    func page(status: HTTPResponse.Status, title: String, message: String) -> Response {
        let view = View(layout: LayoutModel(platformTitle: title), heading: title, message: message)
        let html =
            (try? renderer.render(.errorsNeutral, view, status: status)) ?? HTML("<!doctype html><title>\(status.code)</title>", status: status)
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html.body)))
        if status == .serviceUnavailable { response.headers[.retryAfter] = "30" }
        return response
    }

    func unknownHost() -> Response {
        page(
            status: .notFound, title: "Site not found",
            message: "There is no portal at this address. Check the link you followed, or contact your internet provider for their portal address.")
    }

    func notFound() -> Response {
        page(status: .notFound, title: "Page not found", message: "There is nothing at this address.")
    }

    func badRequest(_ message: String) -> Response {
        page(status: .badRequest, title: "Bad request", message: message)
    }

    func suspended() -> Response {
        page(
            status: .serviceUnavailable, title: "Temporarily unavailable", message: "This portal is temporarily unavailable. Please try again later.")
    }

    func unavailable() -> Response {
        page(
            status: .serviceUnavailable, title: "Temporarily unavailable",
            message: "We cannot serve this page right now. Please try again in a minute.")
    }
}
