import Hummingbird

/// Picks the language of a tenant's page: the signed-in person's stored choice, else the
/// visitor's switcher cookie, else the best `Accept-Language` match among the tenant's
/// languages, else its default. Everything the request renders reads it from `Texts.current`;
/// the response says it in `Content-Language`.
struct LanguageMiddleware: RouterMiddleware {
    typealias Context = TenantRequestContext
    let catalogs: MessageCatalogs
    let cookies: SessionCookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let stored = context.auth?.session.principalLanguage ?? request.cookies[cookies.languageName]?.value
        let language = LanguageNegotiation.choose(
            stored: stored, acceptLanguage: request.headers[.acceptLanguage],
            offered: context.tenant.offeredLanguages, default: context.tenant.defaultLanguage
        )
        return try await Self.respond(in: language, catalogs: catalogs) { try await next(request, context) }
    }

    /// Renders `respond` in `language` (tenant and operator pages alike): its texts in
    /// `Texts.current`, an error carrying them, and the answer's `Content-Language`.
    static func respond(
        in language: Language, catalogs: MessageCatalogs, _ respond: () async throws -> Response
    ) async throws -> Response {
        let texts = catalogs.texts(language)
        var response: Response
        do {
            response = try await Texts.$current.withValue(texts) { try await respond() }
        } catch {
            // The error page is rendered further out (`ErrorPageMiddleware`), after this scope:
            // the error carries the language there.
            throw LocalizedFailure(error: error, texts: texts)
        }
        response.headers[.contentLanguage] = language.code
        // The same URL answers in another language for another Accept-Language.
        response.headers[values: .vary].append("Accept-Language")
        return response
    }
}

/// An error on its way to `ErrorPageMiddleware`, with the language of the page it broke.
struct LocalizedFailure: Error {
    let error: any Error
    let texts: Texts
}
