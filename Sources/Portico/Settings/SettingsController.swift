import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings` (admins): the landing page, and the session and security options.
struct SettingsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let support: SettingsSupport

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settings, use: index)
        group.get(ConsoleRoutes.settingsSecurity, use: security)
        group.post(ConsoleRoutes.settingsSecurity, use: saveSecurity)
    }

    @MustacheView
    struct IndexView {
        let layout: LayoutModel
        let sections: [Section]
        @MustacheView
        struct Section { let title: String; let href: String; let summary: String }
    }

    @Sendable func index(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let (categories, faq, notices, security, corsOrigins) = try await pool.withTenant(context.tenant.id) { tx in
            (
                try await support.repository.categories(in: tx), try await support.repository.faqEntries(in: tx),
                try await ServiceNotices.active(in: tx), try await support.repository.security(in: tx),
                try await support.repository.apiCORSOrigins(in: tx)
            )
        }
        let texts = L10n.texts
        let active = categories.filter(\.active).count
        let inactive = categories.count - active
        let tenant = context.tenant
        let others = tenant.offeredLanguages.dropFirst().map(\.nativeName)
        let sections: [IndexView.Section] = [
            .init(
                title: texts("console.settings.index.categories"), href: ConsoleRoutes.settingsCategories.path,
                summary: inactive > 0
                    ? texts.plural("console.settings.index.categoriesSummaryInactive", count: active, ["inactive": "\(inactive)"])
                    : texts.plural("console.settings.index.categoriesSummary", count: active)),
            .init(
                title: texts("console.settings.faq.title"), href: ConsoleRoutes.settingsFAQ.path,
                summary: texts.plural("console.settings.index.faqSummary", count: faq.count)),
            .init(
                title: texts("console.settings.index.notices"), href: ConsoleRoutes.settingsNotices.path,
                summary: notices.isEmpty
                    ? texts("console.settings.index.noticesNone") : texts.plural("console.settings.index.noticesShowing", count: notices.count)),
            .init(
                title: texts("console.settings.index.timeZone"), href: ConsoleRoutes.settingsTimeZone.path,
                summary: texts("console.settings.index.timeZoneSummary", ["zone": TenantTimeZone.name(tenant.timeZone)])),
            .init(
                title: texts("console.settings.index.languages"), href: ConsoleRoutes.settingsLanguages.path,
                summary: others.isEmpty
                    ? texts("console.settings.index.languagesSummary", ["language": tenant.defaultLanguage.nativeName])
                    : texts(
                        "console.settings.index.languagesSummaryAlso",
                        ["language": tenant.defaultLanguage.nativeName, "others": others.joined(separator: ", ")])),
            .init(
                title: texts("console.settings.index.notifications"), href: ConsoleRoutes.settingsNotifications.path,
                summary: texts("console.settings.index.notificationsSummary")),
            .init(
                title: texts("console.settings.index.security"), href: ConsoleRoutes.settingsSecurity.path,
                summary: texts.plural(
                    security.requireStaffTotp ? "console.settings.index.securitySummaryRequired" : "console.settings.index.securitySummaryOptional",
                    count: security.staffIdleMinutes)),
            .init(
                title: texts("console.settings.index.apiAccess"), href: ConsoleRoutes.settingsAPIAccess.path,
                summary: corsOrigins.isEmpty
                    ? texts("console.settings.index.apiAccessNone")
                    : texts.plural("console.settings.index.apiAccessSome", count: corsOrigins.origins.count)),
            .init(
                title: texts("console.settings.index.retention"), href: ConsoleRoutes.settingsRetention.path,
                summary: texts("console.settings.index.retentionSummary")),
            .init(
                title: texts("console.settings.index.staff"), href: ConsoleRoutes.staff.path, summary: texts("console.settings.index.staffSummary")),
            .init(
                title: texts("console.settings.index.branding"), href: ConsoleRoutes.branding.path,
                summary: texts("console.settings.index.brandingSummary")),
            .init(
                title: texts("console.settings.index.domains"), href: ConsoleRoutes.domains.path,
                summary: texts("console.settings.index.domainsSummary")),
            .init(
                title: texts("console.settings.index.apiKeys"), href: ConsoleRoutes.apiKeys.path,
                summary: texts("console.settings.index.apiKeysSummary")),
            .init(
                title: texts("console.settings.index.webhooks"), href: ConsoleRoutes.webhooks.path,
                summary: texts("console.settings.index.webhooksSummary")),
        ]
        return try renderer.render(
            .adminSettingsIndex, theme: context.tenant.theme,
            IndexView(layout: context.layout(title: texts("console.settings.title"), current: ConsoleRoutes.settings.path), sections: sections))
    }

    @MustacheView
    struct SecurityView {
        let layout: LayoutModel
        let form: FormView
        let requireTotp: Bool
        let staffBounds: String
        let customerBounds: String
        let rememberBounds: String
        let staffWithoutTotp: String
    }

    func renderSecurity(
        _ context: StaffRequestContext, values: [String: String]? = nil, form: FormState = FormState(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (settings, withoutTotp) = try await pool.withTenant(context.tenant.id) { tx in
            (
                try await support.repository.security(in: tx),
                try await repositories.staff.countActiveWithoutTOTP(in: tx)
            )
        }
        let stored = [
            "staff_idle_minutes": String(settings.staffIdleMinutes), "customer_idle_hours": String(settings.customerIdleHours),
            "remember_me_days": String(settings.rememberMeDays), "require_staff_totp": settings.requireStaffTotp ? "yes" : "no",
        ]
        let shown = values ?? stored
        var layout = context.layout(title: L10n.t("console.settings.security.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        return try renderer.render(
            .adminSettingsSecurity, theme: context.tenant.theme,
            SecurityView(
                layout: layout, form: FormView(FormState(values: shown, errors: form.errors, message: form.message)),
                requireTotp: shown["require_staff_totp"] == "yes",
                staffBounds: Self.range("minutesRange", SecuritySettings.staffIdleBounds),
                customerBounds: Self.range("hoursRange", SecuritySettings.customerIdleBounds),
                rememberBounds: Self.range("daysRange", SecuritySettings.rememberMeBounds),
                staffWithoutTotp: L10n.texts.plural("console.settings.security.withoutTotp", count: withoutTotp)), status: status)
    }

    /// "5–60 minutes", in the reader's language.
    static func range(_ key: String, _ bounds: ClosedRange<Int>) -> String {
        L10n.t("console.settings.security.\(key)", ["min": "\(bounds.lowerBound)", "max": "\(bounds.upperBound)"])
    }

    @Sendable func security(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderSecurity(
            context, notice: SettingsSupport.notice(request, ["saved": L10n.t("console.settings.security.saved")]))
    }

    @Sendable func saveSecurity(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let settings = try SecuritySettings.parse(form)
            try await pool.withTenant(context.tenant.id) { tx in
                let before = try await support.repository.security(in: tx)
                try await support.repository.saveSecurity(settings, in: tx)
                var details: [String: String] = [:]
                if before.staffIdleMinutes != settings.staffIdleMinutes {
                    details["staff_idle_minutes"] = "\(before.staffIdleMinutes) → \(settings.staffIdleMinutes)"
                }
                if before.customerIdleHours != settings.customerIdleHours {
                    details["customer_idle_hours"] = "\(before.customerIdleHours) → \(settings.customerIdleHours)"
                }
                if before.rememberMeDays != settings.rememberMeDays {
                    details["remember_me_days"] = "\(before.rememberMeDays) → \(settings.rememberMeDays)"
                }
                if before.requireStaffTotp != settings.requireStaffTotp {
                    details["require_staff_totp"] = "\(before.requireStaffTotp) → \(settings.requireStaffTotp)"
                }
                try await support.audit(
                    context, request, action: "settings.security_changed", targetKind: "tenant_settings",
                    targetId: context.tenant.id.description, details: details, in: tx)
            }
            return Redirect(to: "\(ConsoleRoutes.settingsSecurity.path)?done=saved").response
        } catch let error as AppError where error.kind == .validation {
            return try await renderSecurity(
                context, values: FormState.keeping(form).values,
                form: FormState(errors: error.fields, message: error.fields.isEmpty ? error.message : nil),
                status: error.status
            ).response(from: request, context: context)
        }
    }
}
