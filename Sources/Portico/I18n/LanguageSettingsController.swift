import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/languages` (admins): the portal's default language and the others it
/// offers. Subscribers without a choice of their own get the best match for their browser
/// among the offered ones, else the default; the footer switches between them.
struct LanguageSettingsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let support: SettingsSupport

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsLanguages, use: show)
        group.post(ConsoleRoutes.settingsLanguages, use: save)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let languages: [Choice]

        @MustacheView
        struct Choice {
            let code: String
            let name: String
            let offered: Bool
            let isDefault: Bool
        }
    }

    func render(
        _ context: StaffRequestContext, defaultLanguage: Language, offered: [Language], form: FormState = FormState(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        var layout = context.layout(title: L10n.t("console.settings.languages.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let choices = Language.allCases.map {
            View.Choice(code: $0.code, name: $0.nativeName, offered: offered.contains($0), isDefault: $0 == defaultLanguage)
        }
        return try renderer.render(
            .adminSettingsLanguages, theme: context.tenant.theme,
            View(layout: layout, form: FormView(form), languages: choices), status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try render(
            context, defaultLanguage: context.tenant.defaultLanguage, offered: context.tenant.offeredLanguages,
            notice: SettingsSupport.notice(request, ["saved": L10n.t("console.settings.languages.saved")]))
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let defaultCode = form.text("default_language")
        let offeredCodes = form.all("offered")
        var errors: [String: String] = [:]
        let defaultLanguage = Language(code: defaultCode)
        let offered = offeredCodes.compactMap(Language.init(code:))
        if defaultLanguage == nil { errors["default_language"] = L10n.t("console.settings.languages.chooseDefault") }
        if offered.count != offeredCodes.count { errors["offered"] = L10n.t("console.settings.languages.chooseOffered") }
        guard errors.isEmpty, let defaultLanguage else {
            return try render(
                context, defaultLanguage: defaultLanguage ?? context.tenant.defaultLanguage, offered: offered,
                form: FormState(errors: errors), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        // The default is always offered: ticking it off would leave the portal without its own language.
        let codes = ([defaultLanguage] + Language.allCases.filter { offered.contains($0) && $0 != defaultLanguage }).map(\.code)
        try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.settings.saveLanguages(default: codes[0], offered: codes, in: tx)
            try await support.audit(
                context, request, action: "settings.languages_changed", targetKind: "tenant",
                targetId: context.tenant.id.description,
                details: ["default": codes[0], "offered": codes.joined(separator: " ")], in: tx)
        }
        return Redirect(to: "\(ConsoleRoutes.settingsLanguages.path)?done=saved").response
    }
}
