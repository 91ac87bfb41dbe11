import Foundation
import Hummingbird
import Mustache
import Postgres

/// What every settings page shares: the id in the path, the audit trail, and the one-line
/// confirmations shown after a change (fixed texts, never echoed from the request).
struct SettingsSupport {
    let dependencies: AppDependencies

    var repository: any TenantSettingsRepository { dependencies.repositories.settings }

    /// The `:id` of the path; anything else (including another tenant's id, which row-level
    /// security hides) is the same 404.
    func id(_ context: StaffRequestContext, _ what: String) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound(what) }
        return id
    }

    func audit(
        _ context: StaffRequestContext, _ request: Request, action: String, targetKind: String, targetId: String,
        details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await dependencies.repositories.audit.record(
            .init(
                actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: action, targetKind: targetKind,
                targetId: targetId, ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", details: details), in: tx)
    }

    static func notice(_ request: Request, _ messages: [String: String]) -> String? {
        request.uri.queryParameters.get("done").flatMap { messages[String($0)] }
    }

    static func direction(_ form: FormFields) throws -> MoveDirection {
        guard let direction = MoveDirection(rawValue: form.text("direction")) else {
            throw AppError(.badRequest, code: "bad_direction", "Choose to move the item up or down.")
        }
        return direction
    }
}

/// `/admin/settings` (admins): the landing page, and the session and security options.
struct SettingsController {
    let dependencies: AppDependencies
    var support: SettingsSupport { SettingsSupport(dependencies: dependencies) }

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
        let (categories, faq, notices, security, corsOrigins) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            (
                try await support.repository.categories(in: tx), try await support.repository.faqEntries(in: tx),
                try await ServiceNotices.active(in: tx), try await support.repository.security(in: tx),
                try await support.repository.apiCORSOrigins(in: tx)
            )
        }
        let active = categories.filter(\.active).count
        let sections: [IndexView.Section] = [
            .init(
                title: "Work-order categories", href: ConsoleRoutes.settingsCategories.path,
                summary: "\(active) offered to subscribers\(categories.count > active ? ", \(categories.count - active) inactive" : "")."),
            .init(
                title: "Frequently asked questions", href: ConsoleRoutes.settingsFAQ.path, summary: "\(faq.count) on the subscribers’ support page."),
            .init(
                title: "Service notices", href: ConsoleRoutes.settingsNotices.path,
                summary: notices.isEmpty ? "No notice is showing right now." : "\(notices.count) showing now on the status page and dashboards."),
            .init(
                title: "Time zone", href: ConsoleRoutes.settingsTimeZone.path,
                summary: "Times show and are entered in \(TenantTimeZone.name(context.tenant.timeZone))."),
            .init(
                title: "Languages", href: ConsoleRoutes.settingsLanguages.path,
                summary: "Portal in \(context.tenant.defaultLanguage.nativeName)"
                    + (context.tenant.offeredLanguages.count > 1
                        ? ", also offered in \(context.tenant.offeredLanguages.dropFirst().map(\.nativeName).joined(separator: ", "))." : ".")),
            .init(title: "Email notifications", href: ConsoleRoutes.settingsNotifications.path, summary: "Which emails subscribers receive."),
            .init(
                title: "Session and security", href: ConsoleRoutes.settingsSecurity.path,
                summary:
                    "Staff signed out after \(security.staffIdleMinutes) idle minutes; two-factor sign-in \(security.requireStaffTotp ? "required" : "optional") for staff."
            ),
            .init(
                title: "API access", href: ConsoleRoutes.settingsAPIAccess.path,
                summary: corsOrigins.isEmpty
                    ? "No browser origin may call the API (cross-origin access off)."
                    : "\(corsOrigins.origins.count) browser origin(s) may call the API."),
            .init(
                title: "Data retention", href: ConsoleRoutes.settingsRetention.path,
                summary: "How long the audit log, emails, drafts and webhook deliveries are kept, and what was removed lately."),
            .init(title: "Staff", href: ConsoleRoutes.staff.path, summary: "Invite staff, change roles, deactivate accounts."),
            .init(title: "Branding", href: ConsoleRoutes.branding.path, summary: "Logo, colours and texts of the portal and emails."),
            .init(title: "Domains", href: ConsoleRoutes.domains.path, summary: "Custom domains and the primary one used in email links."),
            .init(
                title: "API keys", href: ConsoleRoutes.apiKeys.path, summary: "Keys for your billing or CRM system to sync accounts and work orders."),
            .init(
                title: "Webhooks", href: ConsoleRoutes.webhooks.path,
                summary: "Signed event POSTs to your billing or CRM system, with a delivery log."),
        ]
        return try dependencies.renderer.render(
            .adminSettingsIndex, theme: context.tenant.theme,
            IndexView(layout: context.layout(title: "Settings", current: ConsoleRoutes.settings.path), sections: sections))
    }

    @MustacheView
    struct SecurityView {
        let layout: LayoutModel
        let form: FormView
        let requireTotp: Bool
        let staffBounds: String
        let customerBounds: String
        let rememberBounds: String
        let staffWithoutTotp: Int
    }

    func renderSecurity(
        _ context: StaffRequestContext, values: [String: String]? = nil, form: FormState = FormState(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (settings, withoutTotp) = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            (
                try await support.repository.security(in: tx),
                try await tx.scalar("SELECT count(*)::int FROM staff_users WHERE status = 'active' AND totp_enabled_at IS NULL", as: Int.self) ?? 0
            )
        }
        let stored = [
            "staff_idle_minutes": String(settings.staffIdleMinutes), "customer_idle_hours": String(settings.customerIdleHours),
            "remember_me_days": String(settings.rememberMeDays), "require_staff_totp": settings.requireStaffTotp ? "yes" : "no",
        ]
        let shown = values ?? stored
        var layout = context.layout(title: "Session and security", current: ConsoleRoutes.settings.path)
        layout.notice = notice
        return try dependencies.renderer.render(
            .adminSettingsSecurity, theme: context.tenant.theme,
            SecurityView(
                layout: layout, form: FormView(FormState(values: shown, errors: form.errors, message: form.message)),
                requireTotp: shown["require_staff_totp"] == "yes",
                staffBounds: "\(SecuritySettings.staffIdleBounds.lowerBound)–\(SecuritySettings.staffIdleBounds.upperBound) minutes",
                customerBounds: "\(SecuritySettings.customerIdleBounds.lowerBound)–\(SecuritySettings.customerIdleBounds.upperBound) hours",
                rememberBounds: "\(SecuritySettings.rememberMeBounds.lowerBound)–\(SecuritySettings.rememberMeBounds.upperBound) days",
                staffWithoutTotp: withoutTotp), status: status)
    }

    @Sendable func security(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderSecurity(
            context, notice: SettingsSupport.notice(request, ["saved": "Saved. Open sessions follow the new timeouts from their next request."]))
    }

    @Sendable func saveSecurity(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let settings = try SecuritySettings.parse(form)
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
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
