import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/notifications` (admins): which emails go to subscribers. Security mail
/// (verification, reset, invitations, email change) cannot be switched off.
struct NotificationSettingsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsNotifications, use: show)
        group.post(ConsoleRoutes.settingsNotifications, use: save)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let kinds: [Kind]
        @MustacheView
        struct Kind { let value: String; let label: String; let enabled: Bool; let locked: Bool }
    }

    func render(_ context: StaffRequestContext, notice: String?) async throws -> HTML {
        let disabled = try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.settings.disabledNotifications(in: tx)
        }
        var layout = context.layout(title: L10n.t("console.notifications.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let view = View(
            layout: layout,
            kinds: NotificationKind.allCases.filter { $0 != .staffNotice }.map {
                View.Kind(
                    value: $0.rawValue, label: L10n.t("console.notifications.kind.\($0.rawValue)"), enabled: !disabled.contains($0.rawValue),
                    locked: $0.isSecurity)
            })
        return try renderer.render(.adminNotifications, theme: context.tenant.theme, view)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context, notice: nil)
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let enabled = Set(form.all("enabled"))
        let unknown = enabled.filter { NotificationKind(rawValue: $0) == nil }
        guard unknown.isEmpty else {
            throw AppError.validation(["enabled": L10n.t("console.notifications.unknown", ["kinds": unknown.sorted().joined(separator: ", ")])])
        }
        let disabled = NotificationKind.allCases.filter { !$0.isSecurity && !enabled.contains($0.rawValue) }.map(\.rawValue)
        try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.settings.saveDisabledNotifications(disabled, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email,
                    action: "settings.notifications_changed", ip: context.clientIP,
                    details: ["disabled": disabled.joined(separator: ",")]), in: tx)
        }
        return try await render(context, notice: L10n.t("console.notifications.saved"))
    }
}
