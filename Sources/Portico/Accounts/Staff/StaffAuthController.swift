import Foundation
import Hummingbird
import Mustache

/// Staff sign-in (with the TOTP step when enrolled), sign-out, invitation acceptance and
/// password recovery ("Forgot password?" → emailed one-time link → new password).
struct StaffAuthController: AccountLinkPages {
    let accounts: StaffAccounts
    let renderer: PageRenderer
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(ConsoleRoutes.login, use: loginForm)
        group.post(ConsoleRoutes.login, use: login)
        group.get(ConsoleRoutes.loginCode, use: codeForm)
        group.post(ConsoleRoutes.loginCode, use: code)
        group.post(ConsoleRoutes.logout, use: logout)
        group.get(ConsoleRoutes.invite, use: inviteForm)
        group.post(ConsoleRoutes.invite, use: acceptInvite)
        group.get(ConsoleRoutes.forgotPassword, use: forgotForm)
        group.post(ConsoleRoutes.forgotPassword, use: forgot)
        group.get(ConsoleRoutes.resetPassword, use: resetForm)
        group.post(ConsoleRoutes.resetPassword, use: reset)
    }

    @MustacheView
    struct LoginView {
        let layout: LayoutModel
        let form: FormView
        let next: String?
        /// "Acme staff console", word order by language.
        let subtitle: String
    }

    func layout(_ context: TenantRequestContext, _ title: String) -> LayoutModel {
        var layout = LayoutModel(tenant: context.tenant, title: title, area: "admin")
        layout.csrfToken = context.csrfToken
        layout.languageBack = context.requestPath
        return layout
    }

    static func subtitle(_ context: TenantRequestContext) -> String {
        L10n.t("console.login.subtitle", ["company": context.tenant.branding.companyName])
    }

    @Sendable func loginForm(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if context.auth?.staff != nil { return Redirect(to: ConsoleRoutes.home.path).response }
        let next = request.uri.queryParameters.get("next").map { Redirect.safeNext($0, fallback: "", allowedPrefix: ConsoleRoutes.home.path) }
        var page = layout(context, L10n.t("console.login.title"))
        // Arriving from a just-accepted invitation: say it worked, so the sign-in form is expected.
        if request.uri.queryParameters.get("ready") == "1" {
            page.notice = L10n.t("console.login.ready")
        }
        let view = LoginView(
            layout: page, form: FormView(FormState()), next: next?.isEmpty == false ? next : nil, subtitle: Self.subtitle(context))
        return try renderer.render(.adminLogin, theme: context.tenant.theme, view).response(from: request, context: context)
    }

    @Sendable func login(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let next = Redirect.safeNext(
            request.uri.queryParameters.get("next"), fallback: ConsoleRoutes.home.path, allowedPrefix: ConsoleRoutes.home.path)
        let outcome = try await accounts.signIn(
            email: form.text("email"), password: form["password"] ?? "", tenant: context.tenant,
            origin: context.origin(request), replacing: context.auth?.token)
        switch outcome {
        case .signedIn(let token):
            return Redirect(to: next).response(setting: cookies.session(token, persistentFor: nil))
        case .needsSecondFactor(let token):
            return Redirect(to: ConsoleRoutes.loginCode.path).response(setting: cookies.session(token, persistentFor: nil))
        case .invalidCredentials, .deactivated:
            var state = FormState.keeping(form)
            state.message = L10n.t("console.login.failed")
            let view = LoginView(
                layout: layout(context, L10n.t("console.login.title")), form: FormView(state), next: nil, subtitle: Self.subtitle(context))
            return try renderer.render(.adminLogin, theme: context.tenant.theme, view, status: .unauthorized).response(
                from: request, context: context)
        }
    }

    @MustacheView
    struct CodeView {
        let layout: LayoutModel
        let form: FormView
    }

    @Sendable func codeForm(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard context.auth?.session.secondFactorPending == true else { return Redirect(to: ConsoleRoutes.login.path).response }
        return try renderer.render(
            .adminLoginCode, theme: context.tenant.theme,
            CodeView(layout: layout(context, L10n.t("console.code.title")), form: FormView(FormState()))
        ).response(from: request, context: context)
    }

    @Sendable func code(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let auth = context.auth, auth.session.secondFactorPending else { return Redirect(to: ConsoleRoutes.login.path).response }
        guard
            let token = try await accounts.completeSecondFactor(
                session: auth, code: form.text("code"), tenant: context.tenant, origin: context.origin(request))
        else {
            var state = FormState()
            state.errors["code"] = L10n.t("console.code.wrong")
            return try renderer.render(
                .adminLoginCode, theme: context.tenant.theme,
                CodeView(layout: layout(context, L10n.t("console.code.title")), form: FormView(state)), status: .unauthorized
            ).response(from: request, context: context)
        }
        return Redirect(to: ConsoleRoutes.home.path).response(setting: cookies.session(token, persistentFor: nil))
    }

    @Sendable func logout(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if let auth = context.auth, auth.session.principalKind == .staff {
            try await accounts.signOut(auth, tenant: context.tenant, origin: context.origin(request))
        }
        return Redirect(to: ConsoleRoutes.login.path).response(setting: cookies.clearSession())
    }

    /// The set-password page the portal's invitations and resets use too.
    typealias InviteView = CustomerAuthController.SetPasswordView

    func inviteView(_ context: TenantRequestContext, token: String, email: String?, form: FormState) -> InviteView {
        InviteView(
            layout: layout(context, L10n.t("console.invite.title")), form: FormView(form),
            heading: L10n.t("console.invite.title"),
            intro: L10n.t(
                "console.invite.intro", ["email": email ?? L10n.t("console.invite.yourAccount"), "company": context.tenant.branding.companyName]),
            action: ConsoleRoutes.invite(token), token: nil, askName: true, submitLabel: L10n.t("console.invite.submit"))
    }

    @Sendable func inviteForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        guard let invitation = try await accounts.invitation(token, tenant: context.tenant) else { throw CustomerAccounts.invalidLink }
        return try invitationPage(context, token: token, email: invitation.email)
    }

    @Sendable func acceptInvite(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        if let retry = try await acceptInvitation(request, context: context, token: token) {
            return try retry.response(from: request, context: context)
        }
        return Redirect(to: "\(ConsoleRoutes.login.path)?ready=1").response
    }

    // MARK: Password recovery

    typealias ForgotView = CustomerAuthController.ForgotView
    typealias MessageView = CustomerAuthController.MessageView

    func forgotView(_ context: TenantRequestContext, form: FormState) -> ForgotView {
        ForgotView(
            layout: layout(context, L10n.t("console.recovery.forgotTitle")), form: FormView(form),
            intro: L10n.t("console.recovery.forgotIntro"),
            action: ConsoleRoutes.forgotPassword.path, loginUrl: ConsoleRoutes.login.path)
    }

    func message(
        _ context: TenantRequestContext, title: String, heading: String, _ paragraphs: [String], action: (String, String),
        status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        try renderer.render(
            .portalAccountMessage, theme: context.tenant.theme,
            MessageView(
                layout: layout(context, title), heading: heading, paragraphs: paragraphs,
                actionUrl: action.0, actionLabel: action.1), status: status)
    }

    func resetLinkSent(_ context: TenantRequestContext, email: String) throws -> HTML {
        try message(
            context, title: L10n.t("console.recovery.checkEmail"), heading: L10n.t("console.recovery.checkEmail"),
            [
                L10n.t("console.recovery.sent", ["email": email]),
                L10n.t("console.recovery.noEmail"),
            ], action: (ConsoleRoutes.login.path, L10n.t("console.recovery.backToSignIn")))
    }

    func resetView(_ context: TenantRequestContext, token: String, form: FormState) -> InviteView {
        InviteView(
            layout: layout(context, L10n.t("console.recovery.newPasswordTitle")), form: FormView(form),
            heading: L10n.t("console.recovery.newPasswordTitle"),
            intro: L10n.t("console.recovery.newPasswordIntro", ["company": context.tenant.branding.companyName]),
            action: ConsoleRoutes.resetPassword.path, token: token, askName: false, submitLabel: L10n.t("console.recovery.saveNewPassword"))
    }

    func invalidResetLink(_ context: TenantRequestContext) throws -> HTML {
        try message(
            context, title: L10n.t("console.recovery.invalidTitle"), heading: L10n.t("console.recovery.invalidHeading"),
            [L10n.t("console.recovery.invalidWhy")], action: (ConsoleRoutes.forgotPassword.path, L10n.t("console.recovery.askNew")),
            status: .notFound
        ).keepingTokenOnThisSite()
    }

    func passwordChanged(_ context: TenantRequestContext) throws -> HTML {
        try message(
            context, title: L10n.t("console.recovery.changedTitle"), heading: L10n.t("console.recovery.changedHeading"),
            [L10n.t("console.recovery.changedBody")], action: (ConsoleRoutes.login.path, L10n.t("console.recovery.signIn")))
    }
}
