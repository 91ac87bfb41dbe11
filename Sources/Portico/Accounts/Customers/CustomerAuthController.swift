import Foundation
import Hummingbird
import Mustache

/// The subscriber's way in: sign-in, registration, email verification, password reset,
/// invitations and sign-out, on the tenant's host under `/portal`.
struct CustomerAuthController: AccountLinkPages {
    let accounts: CustomerAccounts
    let renderer: PageRenderer
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PortalRoutes.login, use: loginForm)
        group.post(PortalRoutes.login, use: login)
        group.post(PortalRoutes.logout, use: logout)
        group.get(PortalRoutes.register, use: registerForm)
        group.post(PortalRoutes.register, use: register)
        group.get(PortalRoutes.verify, use: verify)
        group.post(PortalRoutes.verifyResend, use: resendVerification)
        group.get(PortalRoutes.forgotPassword, use: forgotForm)
        group.post(PortalRoutes.forgotPassword, use: forgot)
        group.get(PortalRoutes.resetPassword, use: resetForm)
        group.post(PortalRoutes.resetPassword, use: reset)
        group.get(PortalRoutes.invite, use: inviteForm)
        group.post(PortalRoutes.invite, use: acceptInvite)
    }

    // MARK: Views

    @MustacheView
    struct LoginView {
        let layout: LayoutModel
        let form: FormView
        let next: String?
        let heading: String
    }

    @MustacheView
    struct RegisterView {
        let layout: LayoutModel
        let form: FormView
        let heading: String
    }

    /// "Forgot your password?" for subscribers and staff alike.
    @MustacheView
    struct ForgotView {
        let layout: LayoutModel
        let form: FormView
        let intro: String
        let action: String
        let loginUrl: String

        static func portal(_ context: TenantRequestContext, form: FormState) -> ForgotView {
            ForgotView(
                layout: .portal(context, title: L10n.t("portal.forgot.title"), current: ""), form: FormView(form),
                intro: L10n.t("portal.forgot.intro"),
                action: PortalRoutes.forgotPassword.path, loginUrl: PortalRoutes.login.path)
        }
    }

    @MustacheView
    struct MessageView {
        let layout: LayoutModel
        let heading: String
        let paragraphs: [String]
        let actionUrl: String?
        let actionLabel: String?
    }

    @MustacheView
    struct SetPasswordView {
        let layout: LayoutModel
        let form: FormView
        let heading: String
        let intro: String?
        let action: String
        let token: String?
        let askName: Bool
        let submitLabel: String
    }

    func message(
        _ context: TenantRequestContext, title: String, heading: String, _ paragraphs: [String],
        action: (String, String)? = nil, status: HTTPResponse.Status = .ok
    ) throws -> HTML {
        let view = MessageView(
            layout: .portal(context, title: title, current: ""), heading: heading, paragraphs: paragraphs,
            actionUrl: action?.0, actionLabel: action?.1)
        return try renderer.render(.portalAccountMessage, theme: context.tenant.theme, view, status: status)
    }

    /// Pages reached through emailed tokens must not leak the token in a Referer header.
    func noReferrer(_ html: HTML) -> HTML {
        html.keepingTokenOnThisSite()
    }

    // MARK: Sign-in and sign-out

    @Sendable func loginForm(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if context.auth?.customer != nil { return Redirect(to: PortalRoutes.home.path).response }
        let next = request.uri.queryParameters.get("next")
        return try renderLogin(context, form: FormState(), next: next, status: .ok).response(from: request, context: context)
    }

    func renderLogin(_ context: TenantRequestContext, form: FormState, next: String?, status: HTTPResponse.Status) throws -> HTML {
        let safeNext = next.map { Redirect.safeNext($0, fallback: "", allowedPrefix: PortalRoutes.home.path) }.flatMap { $0.isEmpty ? nil : $0 }
        let view = LoginView(
            layout: .portal(context, title: L10n.t("portal.login.title"), current: ""), form: FormView(form), next: safeNext,
            heading: L10n.t("portal.login.heading", ["company": context.tenant.branding.companyName]))
        return try renderer.render(.portalAccountLogin, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func login(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let next = request.uri.queryParameters.get("next")
        let outcome = try await accounts.signIn(
            identifier: form.text("identifier"), password: form["password"] ?? "", remember: form.flag("remember"),
            tenant: context.tenant, origin: context.origin(request), replacing: context.auth?.token
        )
        switch outcome {
        case .signedIn(let token, _, let remember):
            var response = Redirect(to: Redirect.safeNext(next, fallback: PortalRoutes.home.path, allowedPrefix: PortalRoutes.home.path)).response
            var lifetime: Duration?
            if remember {
                // The cookie lasts as long as the tenant's "remember me" duration (the server enforces it too).
                let days = try await accounts.pool.withTenant(context.tenant.id) { tx in
                    try await accounts.repositories.settings.security(in: tx).rememberMeDays
                }
                lifetime = .seconds(days * 24 * 3600)
            }
            response.setCookie(cookies.session(token, persistentFor: lifetime))
            return response
        case .invalidCredentials:
            var state = FormState.keeping(form)
            state.message = L10n.t("portal.login.invalidCredentials")
            return try renderLogin(context, form: state, next: next, status: .unauthorized).response(from: request, context: context)
        case .notAllowed(let status):
            let reason = status == .suspended ? "suspended" : "locked"
            return try message(
                context, title: L10n.t("portal.login.\(reason).title"), heading: L10n.t("portal.login.\(reason).heading"),
                [L10n.t("portal.login.\(reason).body", ["company": context.tenant.branding.companyName])],
                status: .forbidden
            ).response(from: request, context: context)
        }
    }

    @Sendable func logout(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if let auth = context.auth {
            try await accounts.signOut(token: auth.token, customer: auth.customer, tenant: context.tenant, origin: context.origin(request))
        }
        return Redirect(to: PortalRoutes.login.path).response(setting: cookies.clearSession())
    }
}
