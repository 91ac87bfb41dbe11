import Foundation
import Hummingbird
import Mustache

/// The tenant table: onboarding a tenant, suspending and resuming one.
extension OperatorController {
    @MustacheView
    struct TenantsView {
        let layout: LayoutModel
        let tenants: [TenantRow]
        let notice: String?
        let form: FormView
        var health: HealthView? = nil
        /// The new-tenant form's choice of portal language.
        var languages: [LayoutModel.LanguageOption] = Language.allCases.map { .init(code: $0.code, name: $0.nativeName, selected: $0 == .en) }
    }

    /// A tenant in the console's table, with the one action its state allows.
    @MustacheView
    struct TenantRow {
        let tenant: OperatorTenantHeading
        let organizations: Int
        let customers: Int
        let staff: Int
        let openWorkOrders: Int
        let isActive: Bool
        /// "3 accounts, 5 logins"
        let subscribersText: String

        init(_ listed: TenantCommands.Listed) {
            tenant = OperatorTenantHeading(
                slug: listed.slug, name: listed.name, status: listed.status, host: listed.host, domains: listed.domains)
            let texts = L10n.texts
            subscribersText = texts(
                "operator.tenants.accountsAndLogins",
                [
                    "accounts": texts.plural("operator.tenants.accounts", count: listed.organizations),
                    "logins": texts.plural("operator.tenants.logins", count: listed.customers),
                ])
            organizations = listed.organizations
            customers = listed.customers
            staff = listed.staff
            openWorkOrders = listed.openWorkOrders
            isActive = listed.status == TenantStatus.active.rawValue
        }
    }

    /// The tenant table with the health panel above it.
    func tenantsPage(_ context: OperatorRequestContext, notice: String? = nil) async throws -> HTML {
        let tenants = try await TenantCommands.list(environment: environment())
        var layout = context.layout(title: L10n.t("operator.nav.tenants"))
        layout.notice = notice
        return try renderer.render(
            .operatorTenants,
            TenantsView(
                layout: layout, tenants: tenants.map(TenantRow.init), notice: nil, form: FormView(FormState()),
                health: HealthView(await PlatformHealth.read(pool: pool))))
    }

    func environment() -> CommandEnvironment {
        CommandEnvironment(configuration: configuration, pool: pool, logger: logger)
    }

    @Sendable func tenants(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        try await tenantsPage(context)
    }

    @Sendable func newTenantForm(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        try renderer.render(
            .operatorNewTenant,
            TenantsView(layout: context.layout(title: L10n.t("operator.nav.newTenant")), tenants: [], notice: nil, form: FormView(FormState())))
    }

    @Sendable func createTenant(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let domain = form.text("domain")
        // A form from before the language field (or a script) sends none: English, as before.
        let languageCode = form.text("default_language")
        let language = languageCode.isEmpty ? Language.en : Language(code: languageCode)
        let onboarding = TenantOnboarding(pool: pool, configuration: configuration, repositories: repositories)
        do {
            guard let language else { throw AppError.validation(["default_language": L10n.t("operator.newTenant.chooseLanguage")]) }
            let created = try await onboarding.create(
                TenantOnboardingRequest(
                    slug: form.text("slug"), name: form.text("name"),
                    adminEmail: form.text("admin_email"), customDomain: domain.isEmpty ? nil : domain,
                    timeZone: form.text("time_zone").isEmpty ? "UTC" : form.text("time_zone"),
                    defaultLanguage: language))
            // The first admin's invitation goes out through the new tenant's outbox.
            if let tenant = try await tenants.tenant(id: created.tenant.id) {
                let resolved = try await directory.resolved(tenant)
                let token = created.adminSetupToken
                try await pool.withTenant(tenant.id) { tx in
                    try await outbox.enqueue(
                        .inviteStaff, to: form.text("admin_email"), name: "", tenant: resolved,
                        values: [
                            "actionUrl": resolved.url(ConsoleRoutes.invite(token)), "role": MailText(key: "email.role.\(StaffRole.admin.rawValue)"),
                        ], linkToken: token, in: tx)
                    try await repositories.audit.record(
                        .init(
                            actorKind: "operator", actorId: context.session.operatorId,
                            actorLabel: context.session.email, action: "tenant.created",
                            targetKind: "tenant", targetId: tenant.slug, ip: context.clientIP), in: tx)
                }
            }
            return try await tenantsPage(context, notice: L10n.t("operator.newTenant.created", ["slug": created.tenant.slug]))
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            var state = FormState.keeping(form)
            state.errors = error.fields.reduce(into: [:]) {
                $0[$1.key == "admin-email" ? "admin_email" : $1.key == "time-zone" ? "time_zone" : $1.key] = $1.value
            }
            if state.errors.isEmpty { state.message = error.message }
            return try renderer.render(
                .operatorNewTenant,
                TenantsView(
                    layout: context.layout(title: L10n.t("operator.nav.newTenant")), tenants: [], notice: nil,
                    form: FormView(state),
                    languages: Language.allCases.map { .init(code: $0.code, name: $0.nativeName, selected: $0 == (language ?? .en)) }),
                status: error.status)
        }
    }

    @Sendable func suspend(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        try await setStatus(.suspended, context: context)
    }

    @Sendable func resume(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        try await setStatus(.active, context: context)
    }

    /// Suspends or resumes a tenant. The table offers only the action the tenant's state allows;
    /// a stale page asking for the state the tenant is already in changes (and audits) nothing.
    func setStatus(_ status: TenantStatus, context: OperatorRequestContext) async throws -> HTML {
        let slug = context.parameters.get("slug") ?? ""
        guard let current = try await tenants.tenant(slug: slug) else {
            throw AppError(.notFound, code: "tenant_not_found", L10n.t("operator.tenants.notFound", ["slug": String(slug.prefix(60))]))
        }
        if current.status == status {
            return try await tenantsPage(context, notice: L10n.t("operator.tenants.already.\(status.rawValue)", ["slug": slug]))
        }
        _ = try await TenantCommands.setStatus(status, slug: slug, environment: environment())
        let message = L10n.t(status == .suspended ? "operator.tenants.suspended" : "operator.tenants.resumed", ["slug": slug])
        if let tenant = try await tenants.tenant(slug: slug) {
            try await pool.withTenant(tenant.id) { tx in
                try await repositories.audit.record(
                    .init(
                        actorKind: "operator", actorId: context.session.operatorId,
                        actorLabel: context.session.email,
                        action: status == .suspended ? "tenant.suspended" : "tenant.resumed",
                        targetKind: "tenant", targetId: slug, ip: context.clientIP), in: tx)
            }
        }
        return try await tenantsPage(context, notice: message)
    }
}
