import Foundation
import Hummingbird
import Mustache
import Postgres

/// Where a tenant's people are: `/admin/settings/time-zone` (admins) sets the tenant's zone,
/// in which its portal, console, mail and files show times and read the times people type;
/// a staff member's own zone for the console is on their account page (`AccountSecurityController`).
struct TimeZoneSettingsController {
    let directory: TenantDirectory
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let support: SettingsSupport

    func addRoutes(to admins: RouterGroup<StaffRequestContext>) {
        admins.get(ConsoleRoutes.settingsTimeZone, use: show)
        admins.post(ConsoleRoutes.settingsTimeZone, use: save)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let zoneChoices: [String]
        let zoneHint: String
    }

    func render(
        _ context: StaffRequestContext, value: String? = nil, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        var layout = context.layout(title: L10n.t("console.settings.timeZone.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let zone = context.tenant.timeZone
        let now = DisplayDate(zone: zone).dateTime(Date())
        return try renderer.render(
            .adminSettingsTimeZone, theme: context.tenant.theme,
            View(
                layout: layout,
                form: FormView(FormState(values: ["time_zone": value ?? TenantTimeZone.name(zone)], errors: form.errors, message: form.message)),
                zoneChoices: TenantTimeZone.choices, zoneHint: L10n.t("console.settings.timeZone.hint", ["now": now])), status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try render(context, notice: SettingsSupport.notice(request, ["saved": L10n.t("console.settings.timeZone.saved")]))
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let name = form.text("time_zone").trimmingCharacters(in: .whitespaces)
        if let problem = TenantTimeZone.problem(name) {
            return try render(context, value: String(name.prefix(64)), form: FormState(errors: ["time_zone": problem]), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        let before = TenantTimeZone.name(context.tenant.timeZone)
        try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.settings.saveTimeZone(name, in: tx)
            try await support.audit(
                context, request, action: "settings.time_zone_changed", targetKind: "tenant", targetId: context.tenant.slug,
                details: ["time_zone": "\(before) → \(name)"], in: tx)
        }
        directory.invalidate(tenant: context.tenant.id)  // the resolved tenant carries its zone
        return Redirect(to: "\(ConsoleRoutes.settingsTimeZone.path)?done=saved").response
    }
}
