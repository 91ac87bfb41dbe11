import Hummingbird

/// Every request starts in this application's English, so a text looked up anywhere in it — an
/// API error, the neutral page of an unknown host — comes from this application's catalogs.
/// `LanguageMiddleware` then picks the person's language on tenant pages. Without it such
/// lookups fell back to a process-wide default, which the last application to start had set:
/// two applications in one process (the tests) could answer one another's texts.
struct DefaultTextsMiddleware<Context: RequestContext>: RouterMiddleware {
    let texts: Texts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await Texts.$current.withValue(texts) { try await next(request, context) }
    }
}
