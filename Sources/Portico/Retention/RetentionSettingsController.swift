import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/retention` (admins): how many days each kind of short-lived record is
/// kept, and what the maintenance job removed lately.
struct RetentionSettingsController {
    let pool: ConnectionPool
    let renderer: PageRenderer
    let support: SettingsSupport

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsRetention, use: show)
        group.post(ConsoleRoutes.settingsRetention, use: save)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let fields: [Field]
        let runs: [Run]
        @MustacheView
        struct Field {
            let name: String; let label: String; let hint: String; let value: String; let min: Int; let max: Int
            /// "(30 to 3650; default 365)".
            let range: String
            let error: String?
        }
        @MustacheView
        struct Run { let when: String; let summary: String; let total: Int }
    }

    func render(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (settings, runs) = try await pool.withTenant(context.tenant.id) { tx in
            (try await RetentionSettings.load(in: tx), try await RetentionJob.recentRuns(limit: 20, in: tx))
        }
        var layout = context.layout(title: L10n.t("console.settings.retention.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let defaults = RetentionSettings()
        return try renderer.render(
            .adminSettingsRetention, theme: context.tenant.theme,
            View(
                layout: layout, form: FormView(form),
                fields: RetentionSettings.fields.map { field in
                    .init(
                        name: field.name, label: L10n.t("console.settings.retention.fieldLabel", ["label": field.label]), hint: field.hint,
                        value: form.values[field.name] ?? "\(settings[keyPath: field.keyPath])",
                        min: field.range.lowerBound, max: field.range.upperBound,
                        range: L10n.t(
                            "console.settings.retention.fieldRange",
                            [
                                "min": "\(field.range.lowerBound)", "max": "\(field.range.upperBound)",
                                "default": "\(defaults[keyPath: field.keyPath])",
                            ]),
                        error: form.errors[field.name])
                },
                runs: runs.map { .init(when: DisplayDate.dateTime($0.ranAt), summary: RetentionJob.summary($0.removed), total: $0.total) }),
            status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let settings: RetentionSettings
        do {
            settings = try RetentionSettings.parse(form)
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await render(context, form: state, status: .unprocessableContent)
        }
        try await pool.withTenant(context.tenant.id) { tx in
            let old = try await RetentionSettings.load(in: tx)
            try await settings.save(in: tx)
            try await support.audit(
                context, request, action: "settings.retention_changed", targetKind: "tenant", targetId: context.tenant.slug,
                details: settings.changes(from: old), in: tx)
        }
        return try await render(context, notice: L10n.t("console.settings.retention.saved"))
    }
}
