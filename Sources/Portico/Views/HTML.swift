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

extension HTML {
    /// The referrer policy of a page opened from an emailed link, whose URL carries a secret
    /// (reset, invitation, set-up, confirmation, unsubscribe).
    ///
    /// `same-origin`: the browser sends the URL as `Referer` only back to this origin, never to
    /// a third party (a logo host, the ISP's website linked in the footer). `no-referrer` would
    /// hide it from us too, and Chromium then submits the page's form with `Origin: null`, which
    /// the CSRF origin check cannot tell apart from an opaque cross-site origin. Our own access
    /// log does not record the secret either way: it logs route patterns, not paths.
    static let tokenPageReferrerPolicy = "same-origin"

    /// This page with the token-page referrer policy.
    func keepingTokenOnThisSite() -> HTML {
        var html = self
        html.headers[.referrerPolicy] = Self.tokenPageReferrerPolicy
        return html
    }
}
