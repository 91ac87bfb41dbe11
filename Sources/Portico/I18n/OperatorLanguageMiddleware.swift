import Hummingbird

/// The operator console's language. Operators belong to no tenant, so every shipped language is
/// on offer: the footer switcher's cookie, else the best `Accept-Language` match, else English.
/// `lang`, `Content-Language` and `Vary` as on tenant pages (`LanguageMiddleware`).
struct OperatorLanguageMiddleware: RouterMiddleware {
    typealias Context = OperatorSiteContext
    let catalogs: MessageCatalogs
    let cookies: SessionCookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let language = LanguageNegotiation.choose(
            stored: request.cookies[cookies.languageName]?.value, acceptLanguage: request.headers[.acceptLanguage],
            offered: Language.allCases, default: .en)
        return try await LanguageMiddleware.respond(in: language, catalogs: catalogs) { try await next(request, context) }
    }
}

/// `POST /operator/language`: the operator console's footer switcher. The choice goes in a
/// cookie (operator accounts have no language column); then back to the page it was made on.
struct OperatorLanguageController {
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<OperatorSiteContext>) {
        group.post(OperatorRoutes.language, use: choose)
    }

    @Sendable func choose(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let language = Language(code: form.text("language")) else {
            throw AppError.validation([
                "language": L10n.t("errors.language.unknown", ["offered": L10n.texts.list(Language.allCases.map(\.nativeName))])
            ])
        }
        var response = Redirect(
            to: Redirect.safeNext(form.text("back"), fallback: OperatorRoutes.home.path, allowedPrefix: OperatorRoutes.home.path)
        ).response
        response.setCookie(cookies.language(language))
        return response
    }
}
