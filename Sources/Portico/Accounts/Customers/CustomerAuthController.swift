import Foundation
import Hummingbird
import Mustache

/// The subscriber's way in: sign-in, registration, email verification, password reset,
/// invitations and sign-out, on the tenant's host under `/portal`.
struct CustomerAuthController {
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

    func origin(_ request: Request, _ context: TenantRequestContext) -> RequestOrigin {
        RequestOrigin(ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "")
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
            tenant: context.tenant, origin: origin(request, context), replacing: context.auth?.token
        )
        switch outcome {
        case .signedIn(let token, _, let remember):
            var response = Redirect(to: Redirect.safeNext(next, fallback: PortalRoutes.home.path, allowedPrefix: PortalRoutes.home.path)).response
            var lifetime: Duration?
            if remember {
                // The cookie lasts as long as the tenant's "remember me" duration (the server enforces it too).
                let days = try await accounts.dependencies.pool.withTenant(context.tenant.id) { tx in
                    try await accounts.dependencies.repositories.settings.security(in: tx).rememberMeDays
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
            try await accounts.signOut(token: auth.token, customer: auth.customer, tenant: context.tenant, origin: origin(request, context))
        }
        var response = Redirect(to: PortalRoutes.login.path).response
        response.setCookie(cookies.clearSession())
        return response
    }

    // MARK: Registration

    @Sendable func registerForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let view = RegisterView(
            layout: .portal(context, title: L10n.t("portal.register.title"), current: ""), form: FormView(FormState()),
            heading: L10n.t("portal.register.heading", ["company": context.tenant.branding.companyName]))
        return try renderer.render(.portalAccountRegister, theme: context.tenant.theme, view)
    }

    @Sendable func register(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let registration = CustomerAccounts.Registration(
            name: form.text("name"), email: form.text("email"), phone: form.text("phone"), password: form["password"] ?? "",
            accountNumber: form.text("account_number"), accessCode: form.text("access_code")
        )
        do {
            try await accounts.register(registration, tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            let view = RegisterView(
                layout: .portal(context, title: L10n.t("portal.register.title"), current: ""), form: FormView(state),
                heading: L10n.t("portal.register.heading", ["company": context.tenant.branding.companyName]))
            return try renderer.render(.portalAccountRegister, theme: context.tenant.theme, view, status: .unprocessableContent)
        }
        let email = EmailAddress.normalize(registration.email) ?? registration.email
        return try message(
            context, title: L10n.t("portal.checkEmail.title"), heading: L10n.t("portal.checkEmail.title"),
            [
                L10n.t("portal.register.sent", ["email": email]),
                L10n.t("portal.register.canSignIn"),
            ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn")))
    }

    // MARK: Email verification

    @Sendable func verify(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard let email = try await accounts.verifyEmail(token: token, tenant: context.tenant, origin: origin(request, context)) else {
            return noReferrer(
                try message(
                    context, title: L10n.t("portal.invalidLink.title"), heading: L10n.t("portal.invalidLink.heading"),
                    [
                        L10n.t("portal.invalidLink.why"),
                        L10n.t("portal.verify.askAgain"),
                    ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn")), status: .notFound))
        }
        return noReferrer(
            try message(
                context, title: L10n.t("portal.verify.confirmed"), heading: L10n.t("portal.verify.confirmed"),
                [
                    L10n.t("portal.verify.thanks", ["email": email])
                ],
                action: context.auth?.customer != nil
                    ? (PortalRoutes.home.path, L10n.t("portal.home.goToDashboard"))
                    : (PortalRoutes.login.path, L10n.t("portal.action.signIn"))))
    }

    @Sendable func resendVerification(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        guard let customer = context.auth?.customer else { throw SignInRequired(loginPath: PortalRoutes.login.path, next: PortalRoutes.home.path) }
        try await accounts.resendVerification(customer: customer, tenant: context.tenant)
        return try message(
            context, title: L10n.t("portal.checkEmail.title"), heading: L10n.t("portal.checkEmail.title"),
            [L10n.t("portal.verify.resent", ["email": customer.email])], action: (PortalRoutes.home.path, L10n.t("portal.action.backToDashboard")))
    }

    // MARK: Password reset

    @Sendable func forgotForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        try renderer.render(.portalAccountForgot, theme: context.tenant.theme, ForgotView.portal(context, form: FormState()))
    }

    @Sendable func forgot(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            try await accounts.requestPasswordReset(email: form.text("email"), tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try renderer.render(
                .portalAccountForgot, theme: context.tenant.theme, ForgotView.portal(context, form: state),
                status: .unprocessableContent)
        }
        return try message(
            context, title: L10n.t("portal.checkEmail.title"), heading: L10n.t("portal.checkEmail.title"),
            [
                L10n.t("portal.forgot.sent", ["email": EmailAddress.normalize(form.text("email")) ?? form.text("email")]),
                L10n.t("portal.forgot.noEmail"),
            ], action: (PortalRoutes.login.path, L10n.t("portal.action.backToSignIn")))
    }

    func setPasswordView(_ context: TenantRequestContext, form: FormState, token: String, reset: Bool, email: String? = nil) -> SetPasswordView {
        SetPasswordView(
            layout: .portal(context, title: L10n.t(reset ? "portal.setPassword.resetTitle" : "portal.setPassword.inviteTitle"), current: ""),
            form: FormView(form),
            heading: reset
                ? L10n.t("portal.setPassword.resetTitle") : L10n.t("portal.home.heading", ["company": context.tenant.branding.companyName]),
            intro: reset
                ? L10n.t("portal.setPassword.resetIntro")
                : L10n.t("portal.setPassword.inviteIntro", ["email": email ?? L10n.t("portal.setPassword.yourEmail")]),
            action: reset ? PortalRoutes.resetPassword.path : PortalRoutes.invite(token),
            token: reset ? token : nil, askName: !reset,
            submitLabel: L10n.t(reset ? "portal.setPassword.resetSubmit" : "portal.setPassword.inviteSubmit")
        )
    }

    @Sendable func resetForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard try await accounts.resetTokenIsValid(token, tenant: context.tenant) else { return try invalidLink(context) }
        return noReferrer(
            try renderer.render(
                .portalAccountSetPassword, theme: context.tenant.theme,
                setPasswordView(context, form: FormState(), token: token, reset: true)))
    }

    @Sendable func reset(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let token = form["token"] ?? ""
        do {
            try await accounts.resetPassword(
                token: token, newPassword: form["password"] ?? "", tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return noReferrer(
                try renderer.render(
                    .portalAccountSetPassword, theme: context.tenant.theme,
                    setPasswordView(context, form: state, token: token, reset: true), status: .unprocessableContent))
        } catch let error as AppError where error.code == "invalid_link" {
            return try invalidLink(context)
        }
        return noReferrer(
            try message(
                context, title: L10n.t("portal.setPassword.changedTitle"), heading: L10n.t("portal.setPassword.changedHeading"),
                [
                    L10n.t("portal.setPassword.changedBody")
                ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn"))))
    }

    func invalidLink(_ context: TenantRequestContext) throws -> HTML {
        noReferrer(
            try message(
                context, title: L10n.t("portal.invalidLink.title"), heading: L10n.t("portal.invalidLink.heading"),
                [
                    L10n.t("portal.invalidLink.why")
                ], action: (PortalRoutes.forgotPassword.path, L10n.t("portal.invalidLink.askNew")), status: .notFound))
    }

    // MARK: Invitations

    @Sendable func inviteForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        let invitation: AccountTokens.Consumed?
        do {
            invitation = try await accounts.invitation(token, tenant: context.tenant)
        } catch let error as AppError where error.code == "login_suspended" {
            return try suspendedLogin(context)
        }
        guard let invitation else { return try await invalidInvitation(context, token: token) }
        return noReferrer(
            try renderer.render(
                .portalAccountSetPassword, theme: context.tenant.theme,
                setPasswordView(context, form: FormState(), token: token, reset: false, email: invitation.email)))
    }

    @Sendable func acceptInvite(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormFields.read(request)
        do {
            try await accounts.acceptInvitation(
                token: token, name: form.text("name"), password: form["password"] ?? "",
                tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return noReferrer(
                try renderer.render(
                    .portalAccountSetPassword, theme: context.tenant.theme,
                    setPasswordView(context, form: state, token: token, reset: false), status: .unprocessableContent))
        } catch let error as AppError where error.code == "invalid_link" {
            return try await invalidInvitation(context, token: token)
        } catch let error as AppError where error.code == "login_suspended" {
            return try suspendedLogin(context)
        }
        return noReferrer(
            try message(
                context, title: L10n.t("portal.invite.readyTitle"), heading: L10n.t("portal.invite.readyHeading"),
                [
                    L10n.t("portal.invite.readyBody")
                ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn"))))
    }

    func suspendedLogin(_ context: TenantRequestContext) throws -> HTML {
        let company = context.tenant.branding.companyName
        return noReferrer(
            try message(
                context, title: L10n.t("portal.invite.suspendedTitle"), heading: L10n.t("portal.invite.suspendedHeading"),
                [
                    L10n.t("portal.invite.suspendedBody"),
                    L10n.t("portal.invite.suspendedContact", ["company": company]),
                ], status: .forbidden))
    }

    /// Why an invitation link does not work, as precisely as the token allows: replaced by a
    /// newer invitation (staff resent it), already used, or expired. Only the holder of the
    /// token learns this. Every case is a 404, like any other dead link.
    func invalidInvitation(_ context: TenantRequestContext, token: String) async throws -> HTML {
        let state = try await accounts.dependencies.pool.withTenant(context.tenant.id) { tx in
            try await AccountTokens.state(token, kind: .inviteCustomer, in: tx)
        }
        let company = context.tenant.branding.companyName
        let contact = [context.tenant.branding.supportEmail, context.tenant.branding.supportPhone].compactMap { $0 }.filter { !$0.isEmpty }
        let reach = contact.isEmpty ? "" : " (\(contact.joined(separator: ", ")))"
        switch state {
        case .replaced:
            return noReferrer(
                try message(
                    context, title: L10n.t("portal.invite.replacedTitle"), heading: L10n.t("portal.invite.replacedHeading"),
                    [
                        L10n.t("portal.invite.replacedWhy", ["company": company]),
                        L10n.t("portal.invite.replacedWhat", ["company": company, "reach": reach]),
                    ], status: .notFound))
        case .used:
            return noReferrer(
                try message(
                    context, title: L10n.t("portal.invite.usedTitle"), heading: L10n.t("portal.invite.usedHeading"),
                    [
                        L10n.t("portal.invite.usedBody"),
                        L10n.t("portal.invite.usedForgot"),
                    ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn")), status: .notFound))
        case .expired:
            return noReferrer(
                try message(
                    context, title: L10n.t("portal.invite.expiredTitle"), heading: L10n.t("portal.invite.expiredHeading"),
                    [
                        L10n.t("portal.invite.expiredBody", ["company": company, "reach": reach])
                    ], status: .notFound))
        case .valid, .unknown:
            return try invalidLink(context)
        }
    }
}
