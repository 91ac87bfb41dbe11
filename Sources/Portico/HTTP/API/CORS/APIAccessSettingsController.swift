import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/api-access` (admins): which browser origins may call `/api/v1` (CORS).
/// None by default; each change is audited with what was added and removed.
struct APIAccessSettingsController {
    let pool: ConnectionPool
    let renderer: PageRenderer
    let support: SettingsSupport

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsAPIAccess, use: show)
        group.post(ConsoleRoutes.settingsAPIAccess, use: save)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        /// "(at most 20; https://host or …)", in the staff member's language.
        let fieldHint: String
        let origins: [String]
        let apiBase: String
    }

    func render(
        _ context: StaffRequestContext, text: String? = nil, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let stored = try await pool.withTenant(context.tenant.id) { tx in try await support.repository.apiCORSOrigins(in: tx) }
        var layout = context.layout(title: L10n.t("console.settings.apiAccess.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let values = ["origins": text ?? stored.origins.joined(separator: "\n")]
        return try renderer.render(
            .adminSettingsApiAccess, theme: context.tenant.theme,
            View(
                layout: layout, form: FormView(FormState(values: values, errors: form.errors, message: form.message)),
                fieldHint: L10n.t("console.settings.apiAccess.fieldHint", ["max": "\(CORSOrigins.maximum)"]), origins: stored.origins,
                apiBase: context.tenant.url(SubscriberAPIRoutes.base)), status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context, notice: SettingsSupport.notice(request, ["saved": L10n.t("console.settings.apiAccess.saved")]))
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let text = form.text("origins")
        do {
            let origins = try CORSOrigins.parse(text)
            try await pool.withTenant(context.tenant.id) { tx in
                let before = try await support.repository.apiCORSOrigins(in: tx)
                try await support.repository.saveAPICORSOrigins(origins, in: tx)
                let added = origins.origins.filter { !before.origins.contains($0) }
                let removed = before.origins.filter { !origins.origins.contains($0) }
                if !added.isEmpty || !removed.isEmpty {
                    try await support.audit(
                        context, request, action: "settings.api_cors_changed", targetKind: "tenant_settings",
                        targetId: context.tenant.id.description,
                        details: ["added": added.joined(separator: " "), "removed": removed.joined(separator: " ")], in: tx)
                }
            }
            return Redirect(to: "\(ConsoleRoutes.settingsAPIAccess.path)?done=saved").response
        } catch let error as AppError where error.kind == .validation {
            return try await render(
                context, text: String(text.prefix(10_000)), form: FormState(errors: error.fields, message: nil),
                status: error.status
            ).response(from: request, context: context)
        }
    }
}
