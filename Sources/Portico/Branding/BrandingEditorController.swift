import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/branding` (admins): every branding field, the theme, a live preview of the portal
/// with the unsaved colours and texts, and a WCAG AA contrast check that refuses illegible
/// pairs. Saving takes effect on every instance at once (the tenancy NOTIFY).
struct BrandingEditorController {
    let directory: TenantDirectory
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.branding, use: editor)
        group.post(ConsoleRoutes.branding, use: save)
        group.get(ConsoleRoutes.brandingPreviewCSS, use: previewCSS)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let colors: [ColorField]
        let themes: [Option]
        let version: Int
        let contrast: [ContrastRow]
        let previewCssHref: String
        let preview: Preview
        let logoUrl: String?
        let faviconUrl: String?
        let logoError: String?
        let faviconError: String?
        let translations: [TranslationInput]

        @MustacheView
        struct ColorField {
            let name: String; let label: String; let value: String; let error: String?
            /// "Pick the primary colour" (the colour picker's label).
            let pickLabel: String
        }
        @MustacheView
        struct ContrastRow { let what: String; let ratio: String; let minimum: String; let passes: Bool }
        @MustacheView
        struct Preview {
            let companyName: String; let welcomeMessage: String; let footerText: String; let supportEmail: String?; let supportPhone: String?
        }
    }

    static func values(of branding: Branding, theme: String) -> [String: String] {
        var values = [

            "company_name": branding.companyName, "color_primary": branding.colorPrimary, "color_secondary": branding.colorSecondary,
            "color_accent": branding.colorAccent, "color_background": branding.colorBackground, "color_text": branding.colorText,
            "support_email": branding.supportEmail ?? "", "support_phone": branding.supportPhone ?? "", "support_hours": branding.supportHours ?? "",
            "website_url": branding.websiteUrl ?? "", "welcome_message": branding.welcomeMessage, "footer_text": branding.footerText,
            "custom_css": branding.customCss, "theme": theme, "version": String(branding.version),
        ]
        for (language, texts) in branding.translations.texts {
            for (field, text) in texts { values["\(field)_\(language)"] = text }
        }
        return values
    }

    func render(
        _ context: StaffRequestContext, form: FormState? = nil, assetProblem: FormState? = nil, notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (branding, theme) = try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.branding.current(in: tx)
        }
        var state = form ?? FormState(values: Self.values(of: branding, theme: theme))
        if let assetProblem {
            state.errors = assetProblem.errors
            state.message = assetProblem.message
        }
        if form != nil { state.values["version"] = state.values["version"] ?? String(branding.version) }
        let values = state.values
        // The preview and the contrast table show what is typed, where it parses.
        var shown = branding
        for (field, _, keyPath) in BrandingInput.colorFields {
            if let typed = values[field], let color = try? Color(hex: typed) { shown[keyPath: keyPath] = color.hex }
        }
        var layout = context.layout(title: L10n.t("console.branding.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let contrast = ((try? BrandingContrast.pairs(shown)) ?? []).map {
            let ratio = $0.foreground.contrast(with: $0.background)
            return View.ContrastRow(
                what: $0.what, ratio: BrandingContrast.format(ratio) + ":1", minimum: BrandingContrast.format($0.minimum) + ":1",
                passes: ratio >= $0.minimum)
        }
        var query = URLComponents()
        query.queryItems = BrandingInput.colorFields.map { URLQueryItem(name: $0.field, value: values[$0.field] ?? "") }
        let view = View(
            layout: layout, form: FormView(state),
            colors: BrandingInput.colorFields.map {
                View.ColorField(
                    name: $0.field, label: BrandingInput.colorLabel($0.label), value: values[$0.field] ?? "", error: state.errors[$0.field],
                    pickLabel: L10n.t("console.branding.pickColor.\($0.label)"))
            },
            themes: renderer.themes.themeNames.map {
                Option(
                    value: $0, label: $0 == "default" ? L10n.t("console.branding.themeDefault") : $0.capitalized,
                    selected: $0 == (values["theme"] ?? theme))
            },
            version: Int(values["version"] ?? "") ?? branding.version, contrast: contrast,
            previewCssHref: "\(ConsoleRoutes.brandingPreviewCSS.path)?" + (query.percentEncodedQuery ?? ""),
            preview: .init(
                companyName: values["company_name"] ?? branding.companyName, welcomeMessage: values["welcome_message"] ?? "",
                footerText: values["footer_text"] ?? "", supportEmail: values["support_email"].flatMap { $0.isEmpty ? nil : $0 },
                supportPhone: values["support_phone"].flatMap { $0.isEmpty ? nil : $0 }),
            logoUrl: branding.logoUrl, faviconUrl: branding.faviconUrl,
            logoError: assetProblem?.errors["logo"], faviconError: assetProblem?.errors["favicon"],
            translations: TextTranslations.inputs(
                fields: BrandingInput.translatable, languages: TextTranslations.otherLanguages(of: context.tenant), stored: branding.translations,
                typed: values, errors: state.errors)
        )
        return try renderer.render(.adminBranding, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func editor(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context, notice: request.uri.queryParameters.get("saved") == "1" ? L10n.t("console.branding.saved") : nil)
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let themes = renderer.themes.themeNames
        do {
            try await pool.withTenant(context.tenant.id) { tx in
                let (current, currentTheme) = try await repositories.branding.current(in: tx)
                let input = try BrandingInput.parse(form, current: current, themes: themes, tenant: context.tenant)
                let saved = try await repositories.branding.save(input.branding, theme: input.theme, expectedVersion: input.version, in: tx)
                let changed = Self.values(of: current, theme: currentTheme).filter { key, value in
                    key != "version" && Self.values(of: saved, theme: input.theme)[key] != value
                }.keys.sorted()
                try await repositories.audit.record(
                    .init(
                        actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "branding.updated",
                        targetKind: "tenant", targetId: context.tenant.id.rawValue.uuidString.lowercased(), ip: context.clientIP,
                        userAgent: request.headers[.userAgent] ?? "", details: ["fields": changed.joined(separator: ",")]), in: tx)
            }
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            var state = FormState.keeping(form)
            state.errors = error.fields
            state.message = error.message
            return try await render(context, form: state, status: error.status).response(from: request, context: context)
        }
        // This instance at once; the others through the tenancy NOTIFY.
        directory.invalidate(tenant: context.tenant.id)
        return Response(status: .seeOther, headers: [.location: "\(ConsoleRoutes.branding.path)?saved=1"])
    }

    /// The preview pane's colours as custom properties scoped to `.brand-preview`; a colour
    /// that does not parse keeps the saved one, so the preview never breaks while typing.
    @Sendable func previewCSS(_ request: Request, context: StaffRequestContext) async throws -> Response {
        var branding = context.tenant.branding
        for (field, _, keyPath) in BrandingInput.colorFields {
            if let typed = request.uri.queryParameters.get(field), let color = try? Color(hex: typed) { branding[keyPath: keyPath] = color.hex }
        }
        let css = branding.cssVariables.replacingOccurrences(of: ":root", with: ".brand-preview")
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: css)))
    }
}
