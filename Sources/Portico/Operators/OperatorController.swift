import Foundation
import Hummingbird
import Logging
import Mustache
import Postgres

/// The operator console on `PORTICO_OPERATOR_HOST`: setup, sign-in with TOTP, and tenant
/// onboarding, suspension and usage.
struct OperatorController {
    let accounts: OperatorAccounts
    let cookies: SessionCookies
    let renderer: PageRenderer
    let configuration: AppConfiguration
    let directory: TenantDirectory
    let logger: Logger
    let outbox: Outbox
    let pool: ConnectionPool
    let repositories: Repositories
    let tenants: any TenantStore

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
}
