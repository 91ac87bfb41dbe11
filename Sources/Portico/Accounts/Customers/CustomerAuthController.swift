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
    }

    @MustacheView
    struct RegisterView {
        let layout: LayoutModel
        let form: FormView
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
            ForgotView(layout: .portal(context, title: "Reset your password", current: ""), form: FormView(form),
                       intro: "Enter the email address of your account. If it has one, we will send a link to choose a new password.",
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

    func message(_ context: TenantRequestContext, title: String, heading: String, _ paragraphs: [String],
                 action: (String, String)? = nil, status: HTTPResponse.Status = .ok) throws -> HTML {
        let view = MessageView(layout: .portal(context, title: title, current: ""), heading: heading, paragraphs: paragraphs,
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
        let view = LoginView(layout: .portal(context, title: "Sign in", current: ""), form: FormView(form), next: safeNext)
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
            state.message = "The email, account number or phone, or the password, is not right. Check them and try again."
            return try renderLogin(context, form: state, next: next, status: .unauthorized).response(from: request, context: context)
        case .notAllowed(let status):
            let reason = status == .suspended ? "suspended" : "locked"
            return try message(context, title: "Account \(reason)", heading: "Your account is \(reason)",
                               ["You cannot sign in while your account is \(reason). Please contact \(context.tenant.branding.companyName) support to restore access."],
                               status: .forbidden).response(from: request, context: context)
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
        let view = RegisterView(layout: .portal(context, title: "Create an account", current: ""), form: FormView(FormState()))
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
            let view = RegisterView(layout: .portal(context, title: "Create an account", current: ""), form: FormView(state))
            return try renderer.render(.portalAccountRegister, theme: context.tenant.theme, view, status: .unprocessableContent)
        }
        let email = EmailAddress.normalize(registration.email) ?? registration.email
        return try message(context, title: "Check your email", heading: "Check your email", [
            "We sent a message to \(email). Follow the link in it to confirm your address.",
            "You can already sign in; you will be able to submit work orders once your address is confirmed.",
        ], action: (PortalRoutes.login.path, "Sign in"))
    }

    // MARK: Email verification

    @Sendable func verify(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard let email = try await accounts.verifyEmail(token: token, tenant: context.tenant, origin: origin(request, context)) else {
            return noReferrer(try message(context, title: "Link not valid", heading: "This link is not valid any more", [
                "It may have been used already, have expired, or be incomplete.",
                "Sign in to ask for a new confirmation email.",
            ], action: (PortalRoutes.login.path, "Sign in"), status: .notFound))
        }
        return noReferrer(try message(context, title: "Email confirmed", heading: "Email confirmed", [
            "Thank you: \(email) is confirmed.",
        ], action: context.auth?.customer != nil ? (PortalRoutes.home.path, "Go to your dashboard") : (PortalRoutes.login.path, "Sign in")))
    }

    @Sendable func resendVerification(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        guard let customer = context.auth?.customer else { throw SignInRequired(loginPath: PortalRoutes.login.path, next: PortalRoutes.home.path) }
        try await accounts.resendVerification(customer: customer, tenant: context.tenant)
        return try message(context, title: "Check your email", heading: "Check your email",
                           ["We sent a new confirmation link to \(customer.email)."], action: (PortalRoutes.home.path, "Back to your dashboard"))
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
            return try renderer.render(.portalAccountForgot, theme: context.tenant.theme, ForgotView.portal(context, form: state),
                                       status: .unprocessableContent)
        }
        return try message(context, title: "Check your email", heading: "Check your email", [
            "If \(EmailAddress.normalize(form.text("email")) ?? form.text("email")) belongs to an account, we sent it a link to choose a new password. The link works for one hour.",
            "No email after a few minutes? Check your spam folder, or make sure you used the address of your account.",
        ], action: (PortalRoutes.login.path, "Back to sign-in"))
    }

    func setPasswordView(_ context: TenantRequestContext, form: FormState, token: String, reset: Bool, email: String? = nil) -> SetPasswordView {
        SetPasswordView(
            layout: .portal(context, title: reset ? "Choose a new password" : "Accept your invitation", current: ""),
            form: FormView(form),
            heading: reset ? "Choose a new password" : "Welcome to \(context.tenant.branding.companyName)",
            intro: reset ? "Choose a new password for your account. You will sign in with it afterwards."
                : "Set up your account for \(email ?? "your email address"): enter your name and choose a password.",
            action: reset ? PortalRoutes.resetPassword.path : PortalRoutes.invite(token),
            token: reset ? token : nil, askName: !reset, submitLabel: reset ? "Save the new password" : "Create my login"
        )
    }

    @Sendable func resetForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard try await accounts.resetTokenIsValid(token, tenant: context.tenant) else { return try invalidLink(context) }
        return noReferrer(try renderer.render(.portalAccountSetPassword, theme: context.tenant.theme,
                                              setPasswordView(context, form: FormState(), token: token, reset: true)))
    }

    @Sendable func reset(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let token = form["token"] ?? ""
        do {
            try await accounts.resetPassword(token: token, newPassword: form["password"] ?? "", tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return noReferrer(try renderer.render(.portalAccountSetPassword, theme: context.tenant.theme,
                                                  setPasswordView(context, form: state, token: token, reset: true), status: .unprocessableContent))
        } catch let error as AppError where error.code == "invalid_link" {
            return try invalidLink(context)
        }
        return noReferrer(try message(context, title: "Password changed", heading: "Your password is changed", [
            "For your security, you were signed out everywhere. Sign in with your new password.",
        ], action: (PortalRoutes.login.path, "Sign in")))
    }

    func invalidLink(_ context: TenantRequestContext) throws -> HTML {
        noReferrer(try message(context, title: "Link not valid", heading: "This link is not valid any more", [
            "It may have been used already, have expired, or be incomplete.",
        ], action: (PortalRoutes.forgotPassword.path, "Ask for a new link"), status: .notFound))
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
        return noReferrer(try renderer.render(.portalAccountSetPassword, theme: context.tenant.theme,
                                              setPasswordView(context, form: FormState(), token: token, reset: false, email: invitation.email)))
    }

    @Sendable func acceptInvite(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormFields.read(request)
        do {
            try await accounts.acceptInvitation(token: token, name: form.text("name"), password: form["password"] ?? "",
                                                tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return noReferrer(try renderer.render(.portalAccountSetPassword, theme: context.tenant.theme,
                                                  setPasswordView(context, form: state, token: token, reset: false), status: .unprocessableContent))
        } catch let error as AppError where error.code == "invalid_link" {
            return try await invalidInvitation(context, token: token)
        } catch let error as AppError where error.code == "login_suspended" {
            return try suspendedLogin(context)
        }
        return noReferrer(try message(context, title: "Account ready", heading: "Your account is ready", [
            "Sign in with your email address and the password you chose.",
        ], action: (PortalRoutes.login.path, "Sign in")))
    }

    func suspendedLogin(_ context: TenantRequestContext) throws -> HTML {
        let company = context.tenant.branding.companyName
        return noReferrer(try message(context, title: "Login suspended", heading: "This login is suspended", [
            "The login this invitation is for is suspended, so it cannot be set up now.",
            "Contact \(company) support to restore it; the invitation works again once they do, until it expires.",
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
            return noReferrer(try message(context, title: "Invitation replaced", heading: "This invitation link was replaced by a newer one", [
                "\(company) sent you a newer invitation, so this link no longer works.",
                "Open the most recent invitation email and use its link. Cannot find it? Ask \(company)\(reach) to send it again.",
            ], status: .notFound))
        case .used:
            return noReferrer(try message(context, title: "Invitation already used", heading: "This invitation has already been used", [
                "The login it was for is set up. Sign in with your email address and the password you chose.",
                "Forgot the password? Use “Forgot your password?” on the sign-in page.",
            ], action: (PortalRoutes.login.path, "Sign in"), status: .notFound))
        case .expired:
            return noReferrer(try message(context, title: "Invitation expired", heading: "This invitation has expired", [
                "Invitation links work for 7 days. Ask \(company)\(reach) to send you a new one.",
            ], status: .notFound))
        case .valid, .unknown:
            return try invalidLink(context)
        }
    }
}
