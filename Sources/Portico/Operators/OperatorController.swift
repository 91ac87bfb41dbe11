import Foundation
import Hummingbird
import Mustache

/// The operator console on `PORTICO_OPERATOR_HOST`: setup, sign-in with TOTP, and tenant
/// onboarding, suspension and usage.
struct OperatorController {
    let dependencies: AppDependencies
    var accounts: OperatorAccounts { OperatorAccounts(dependencies: dependencies) }
    var cookies: SessionCookies { dependencies.cookies }
    var renderer: PageRenderer { dependencies.renderer }

    func addPublicRoutes(to group: RouterGroup<OperatorSiteContext>) {
        group.get(OperatorRoutes.login, use: loginForm)
        group.post(OperatorRoutes.login, use: login)
        group.get(OperatorRoutes.loginCode, use: codeForm)
        group.post(OperatorRoutes.loginCode, use: code)
        group.post(OperatorRoutes.logout, use: logout)
        group.get(OperatorRoutes.setup, use: setupForm)
        group.post(OperatorRoutes.setup, use: setup)
        group.get(OperatorRoutes.enrol, use: enrolForm)
        group.post(OperatorRoutes.enrol, use: enrol)
    }

    func addRoutes(to group: RouterGroup<OperatorRequestContext>) {
        group.get(OperatorRoutes.home, use: tenants)
        group.get(OperatorRoutes.newTenant, use: newTenantForm)
        group.post(OperatorRoutes.tenants, use: createTenant)
        group.post(OperatorRoutes.tenantSuspend, use: suspend)
        group.post(OperatorRoutes.tenantResume, use: resume)
    }

    func publicLayout(_ context: OperatorSiteContext, _ title: String) -> LayoutModel {
        var layout = LayoutModel(platformTitle: title, area: "operator")
        layout.csrfToken = context.csrfToken
        layout.offerOperatorLanguages(back: context.requestPath)
        return layout
    }

    func origin(_ request: Request, _ ip: String) -> RequestOrigin { RequestOrigin(request, ip: ip) }

    @MustacheView
    struct FormPage {
        let layout: LayoutModel
        let form: FormView
        let heading: String
        let action: String
        let kind: String
        let enrolUrl: String?
        let enrolKey: String?
        let recoveryCodes: [String]
        let showEmail: Bool
        let showPassword: Bool
        let showCode: Bool
        let showForm: Bool
    }

    func page(
        _ layout: LayoutModel, kind: String, heading: String, action: String, form: FormState = FormState(),
        enrol: (String, String)? = nil, codes: [String] = [], status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        try renderer.render(
            .operatorForm,
            FormPage(
                layout: layout, form: FormView(form), heading: heading, action: action, kind: kind,
                enrolUrl: enrol?.0, enrolKey: enrol?.1, recoveryCodes: codes,
                showEmail: kind == "login", showPassword: kind == "login" || kind == "setup", showCode: kind == "code" || kind == "enrol",
                showForm: codes.isEmpty
            ), status: status)
    }

    // MARK: Sign-in

    @Sendable func loginForm(_ request: Request, context: OperatorSiteContext) async throws -> HTML {
        try page(
            publicLayout(context, L10n.t("operator.signIn.title")), kind: "login", heading: L10n.t("operator.signIn.title"),
            action: OperatorRoutes.login.path)
    }

    @Sendable func login(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard
            let token = try await accounts.signIn(
                email: form.text("email"), password: form["password"] ?? "", origin: origin(request, context.clientIP))
        else {
            var state = FormState.keeping(form)
            state.message = L10n.t("operator.signIn.failed")
            return try page(
                publicLayout(context, L10n.t("operator.signIn.title")), kind: "login", heading: L10n.t("operator.signIn.title"),
                action: OperatorRoutes.login.path,
                form: state, status: .unauthorized
            ).response(from: request, context: context)
        }
        if let old = context.sessionToken { try await accounts.signOut(token: old) }
        return Redirect(to: OperatorRoutes.loginCode.path).response(setting: cookies.operatorSession(token))
    }

    @Sendable func codeForm(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        guard let session = context.session else { return Redirect(to: OperatorRoutes.login.path).response }
        if session.totpEnabledAt == nil { return Redirect(to: OperatorRoutes.enrol.path).response }
        return try page(
            publicLayout(context, L10n.t("operator.code.title")), kind: "code", heading: L10n.t("operator.code.heading"),
            action: OperatorRoutes.loginCode.path
        ).response(from: request, context: context)
    }

    @Sendable func code(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let session = context.session, let token = context.sessionToken, session.secondFactorPending else {
            return Redirect(to: OperatorRoutes.login.path).response
        }
        guard let fresh = try await accounts.completeSecondFactor(session: session, token: token, code: form.text("code")) else {
            var state = FormState()
            state.errors["code"] = L10n.t("operator.code.wrong")
            return try page(
                publicLayout(context, L10n.t("operator.code.title")), kind: "code", heading: L10n.t("operator.code.heading"),
                action: OperatorRoutes.loginCode.path, form: state, status: .unauthorized
            ).response(from: request, context: context)
        }
        return Redirect(to: OperatorRoutes.home.path).response(setting: cookies.operatorSession(fresh))
    }

    @Sendable func logout(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        if let token = context.sessionToken { try await accounts.signOut(token: token) }
        return Redirect(to: OperatorRoutes.login.path).response(setting: cookies.clearOperatorSession())
    }

    // MARK: Setup and enrolment (required before anything else)

    @Sendable func setupForm(_ request: Request, context: OperatorSiteContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        guard try await accounts.setupTokenIsValid(token) else { throw CustomerAccounts.invalidLink }
        var html = try page(
            publicLayout(context, L10n.t("operator.setup.title")), kind: "setup", heading: L10n.t("operator.setup.heading"),
            action: OperatorRoutes.setup(token))
        html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy
        return html
    }

    @Sendable func setup(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormFields.read(request)
        do {
            let session = try await accounts.completeSetup(token: token, password: form["password"] ?? "", origin: origin(request, context.clientIP))
            return Redirect(to: OperatorRoutes.enrol.path).response(setting: cookies.operatorSession(session))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return try page(
                publicLayout(context, L10n.t("operator.setup.title")), kind: "setup", heading: L10n.t("operator.setup.heading"),
                action: OperatorRoutes.setup(token), form: state, status: .unprocessableContent
            ).response(from: request, context: context)
        }
    }

    @Sendable func enrolForm(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        guard let session = context.session else { return Redirect(to: OperatorRoutes.login.path).response }
        guard session.totpEnabledAt == nil else {
            return Redirect(to: session.secondFactorPending ? OperatorRoutes.loginCode.path : OperatorRoutes.home.path).response
        }
        let secret = try await accounts.enrolmentSecret(for: session)
        let url = TOTPCodes.authenticatorURL(secret: secret, account: session.email, issuer: "Portico operators")
        return try page(
            publicLayout(context, L10n.t("operator.enrol.title")), kind: "enrol", heading: L10n.t("operator.enrol.heading"),
            action: OperatorRoutes.enrol.path, enrol: (url, TOTPCodes.manualKey(secret: secret))
        ).response(from: request, context: context)
    }

    @Sendable func enrol(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let session = context.session, let token = context.sessionToken else { return Redirect(to: OperatorRoutes.login.path).response }
        guard let (fresh, codes) = try await accounts.confirmEnrolment(session: session, token: token, code: form.text("code")) else {
            let secret = try await accounts.enrolmentSecret(for: session)
            var state = FormState()
            state.errors["code"] = L10n.t("operator.enrol.wrong")
            let url = TOTPCodes.authenticatorURL(secret: secret, account: session.email, issuer: "Portico operators")
            return try page(
                publicLayout(context, L10n.t("operator.enrol.title")), kind: "enrol", heading: L10n.t("operator.enrol.heading"),
                action: OperatorRoutes.enrol.path, form: state, enrol: (url, TOTPCodes.manualKey(secret: secret)),
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        var response = try page(
            publicLayout(context, L10n.t("operator.codes.title")), kind: "codes", heading: L10n.t("operator.codes.heading"),
            action: OperatorRoutes.home.path, codes: codes
        ).response(from: request, context: context)
        response.setCookie(cookies.operatorSession(fresh))
        return response
    }

    // MARK: Tenants

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
        let slug: String
        let name: String
        let status: String
        let statusLabel: String
        let host: String
        let domains: [String]
        let organizations: Int
        let customers: Int
        let staff: Int
        let openWorkOrders: Int
        let isActive: Bool
        /// "3 accounts, 5 logins"
        let subscribersText: String

        init(_ listed: TenantCommands.Listed) {
            slug = listed.slug
            name = listed.name
            status = listed.status
            let texts = L10n.texts
            statusLabel = texts("operator.tenantStatus.\(listed.status)")
            subscribersText = texts(
                "operator.tenants.accountsAndLogins",
                [
                    "accounts": texts.plural("operator.tenants.accounts", count: listed.organizations),
                    "logins": texts.plural("operator.tenants.logins", count: listed.customers),
                ])
            host = listed.host
            domains = listed.domains.map { $0.verified ? $0.name : texts("operator.tenant.unverified", ["domain": $0.name]) }
            organizations = listed.organizations
            customers = listed.customers
            staff = listed.staff
            openWorkOrders = listed.openWorkOrders
            isActive = listed.status == TenantStatus.active.rawValue
        }
    }

    @MustacheView
    struct HealthView {
        let tenants: [Count]
        let tenantTotal: Int
        let outbox: Backlog?
        let webhooks: Backlog?
        let databaseReachable: Bool
        let database: String
        let version: String
        let checkedAt: String
        @MustacheView
        struct Count {
            let status: String; let count: Int
            /// "3 active"
            let label: String
            init(status: String, count: Int) {
                self.status = status
                self.count = count
                label = L10n.t("operator.health.tenantCount.\(status)", ["count": "\(count)"])
            }
        }
        @MustacheView
        struct Backlog {
            let waiting: Int; let failed: Int; let oldest: String?; let attention: Bool
            /// "waiting, oldest 3 min" / "waiting"
            let waitingText: String
            /// "2 failed or dead" (outbox) / "2 dead" (webhooks)
            let failedText: String
        }
        /// "Checked …. Reload the page to check again."
        let checkedText: String

        init(_ health: PlatformHealth) {
            tenants = (health.tenants ?? []).map { Count(status: $0.status, count: $0.count) }
            tenantTotal = tenants.reduce(0) { $0 + $1.count }
            let texts = L10n.texts
            func backlog(_ backlog: PlatformHealth.Backlog?, failedKey: String) -> Backlog? {
                backlog.map {
                    let oldest = $0.oldestWaiting.map { PlatformHealth.age(since: $0) }
                    return Backlog(
                        waiting: $0.waiting, failed: $0.failed, oldest: oldest,
                        attention: $0.failed > 0 || ($0.oldestWaiting.map { Date().timeIntervalSince($0) > 900 } ?? false),
                        waitingText: oldest.map { texts("operator.health.waitingOldest", ["age": $0]) } ?? texts("operator.health.waiting"),
                        failedText: texts(failedKey, ["count": "\($0.failed)"]))
                }
            }
            outbox = backlog(health.outbox, failedKey: "operator.health.outboxFailed")
            webhooks = backlog(health.webhooks, failedKey: "operator.health.webhooksFailed")
            databaseReachable = health.databaseMilliseconds != nil
            // "15.6 (Debian 15.6-0+deb12u1)" → "15.6"
            let postgres = health.databaseVersion.map { String($0.prefix { $0 != " " }) } ?? "?"
            database =
                health.databaseMilliseconds.map {
                    $0 < 1
                        ? texts("operator.health.databaseFast", ["version": postgres])
                        : texts("operator.health.databaseAnswered", ["ms": String($0), "version": postgres])
                }
                ?? texts("operator.health.databaseDown")
            version = health.porticoVersion
            checkedAt = DisplayDate.dateTime(Date())
            checkedText = texts("operator.health.checked", ["when": checkedAt])
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
                health: HealthView(await PlatformHealth.read(pool: dependencies.pool))))
    }

    func environment() -> CommandEnvironment {
        CommandEnvironment(configuration: dependencies.configuration, pool: dependencies.pool, logger: dependencies.logger)
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
        let onboarding = TenantOnboarding(pool: dependencies.pool, configuration: dependencies.configuration, repositories: dependencies.repositories)
        do {
            guard let language else { throw AppError.validation(["default_language": L10n.t("operator.newTenant.chooseLanguage")]) }
            let created = try await onboarding.create(
                TenantOnboardingRequest(
                    slug: form.text("slug"), name: form.text("name"),
                    adminEmail: form.text("admin_email"), customDomain: domain.isEmpty ? nil : domain,
                    timeZone: form.text("time_zone").isEmpty ? "UTC" : form.text("time_zone"),
                    defaultLanguage: language))
            // The first admin's invitation goes out through the new tenant's outbox.
            if let tenant = try await dependencies.tenants.tenant(id: created.tenant.id) {
                let resolved = try await dependencies.directory.resolved(tenant)
                let token = created.adminSetupToken
                try await dependencies.pool.withTenant(tenant.id) { tx in
                    try await dependencies.outbox.enqueue(
                        .inviteStaff, to: form.text("admin_email"), name: "", tenant: resolved,
                        values: [
                            "actionUrl": resolved.url(ConsoleRoutes.invite(token)), "role": MailText(key: "email.role.\(StaffRole.admin.rawValue)"),
                        ], linkToken: token, in: tx)
                    try await dependencies.repositories.audit.record(
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
        guard let current = try await dependencies.tenants.tenant(slug: slug) else {
            throw AppError(.notFound, code: "tenant_not_found", L10n.t("operator.tenants.notFound", ["slug": String(slug.prefix(60))]))
        }
        if current.status == status {
            return try await tenantsPage(context, notice: L10n.t("operator.tenants.already.\(status.rawValue)", ["slug": slug]))
        }
        _ = try await TenantCommands.setStatus(status, slug: slug, environment: environment())
        let message = L10n.t(status == .suspended ? "operator.tenants.suspended" : "operator.tenants.resumed", ["slug": slug])
        if let tenant = try await dependencies.tenants.tenant(slug: slug) {
            try await dependencies.pool.withTenant(tenant.id) { tx in
                try await dependencies.repositories.audit.record(
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
