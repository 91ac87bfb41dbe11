import Foundation
import Hummingbird

/// Staff sign-in (with the TOTP step when enrolled), sign-out and invitation acceptance.
struct StaffAuthController {
    let accounts: StaffAccounts
    let renderer: PageRenderer
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("admin/login", use: loginForm)
        group.post("admin/login", use: login)
        group.get("admin/login/code", use: codeForm)
        group.post("admin/login/code", use: code)
        group.post("admin/logout", use: logout)
        group.get("admin/invite/:token", use: inviteForm)
        group.post("admin/invite/:token", use: acceptInvite)
    }

    struct LoginView {
        let layout: LayoutModel
        let form: FormView
        let next: String?
    }

    func layout(_ context: TenantRequestContext, _ title: String) -> LayoutModel {
        var layout = LayoutModel(tenant: context.tenant, title: title, area: "admin")
        layout.csrfToken = context.csrfToken
        return layout
    }

    func origin(_ request: Request, _ context: TenantRequestContext) -> RequestOrigin {
        RequestOrigin(ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "")
    }

    @Sendable func loginForm(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if context.auth?.staff != nil { return Redirect(to: "/admin").response }
        let next = request.uri.queryParameters.get("next").map { Redirect.safeNext($0, fallback: "", allowedPrefix: "/admin") }
        let view = LoginView(layout: layout(context, "Staff sign-in"), form: FormView(FormState()), next: next?.isEmpty == false ? next : nil)
        return try renderer.render("admin/login", theme: context.tenant.theme, view).response(from: request, context: context)
    }

    @Sendable func login(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let next = Redirect.safeNext(request.uri.queryParameters.get("next"), fallback: "/admin", allowedPrefix: "/admin")
        let outcome = try await accounts.signIn(email: form.text("email"), password: form["password"] ?? "", tenant: context.tenant,
                                                origin: origin(request, context), replacing: context.auth?.token)
        switch outcome {
        case .signedIn(let token):
            var response = Redirect(to: next).response
            response.setCookie(cookies.session(token, persistentFor: nil))
            return response
        case .needsSecondFactor(let token):
            var response = Redirect(to: "/admin/login/code").response
            response.setCookie(cookies.session(token, persistentFor: nil))
            return response
        case .invalidCredentials, .deactivated:
            var state = FormState.keeping(form)
            state.message = "The email or the password is not right, or this staff account is not active."
            let view = LoginView(layout: layout(context, "Staff sign-in"), form: FormView(state), next: nil)
            return try renderer.render("admin/login", theme: context.tenant.theme, view, status: .unauthorized).response(from: request, context: context)
        }
    }

    struct CodeView {
        let layout: LayoutModel
        let form: FormView
    }

    @Sendable func codeForm(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard context.auth?.session.secondFactorPending == true else { return Redirect(to: "/admin/login").response }
        return try renderer.render("admin/login-code", theme: context.tenant.theme,
                                   CodeView(layout: layout(context, "Two-factor code"), form: FormView(FormState()))).response(from: request, context: context)
    }

    @Sendable func code(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let auth = context.auth, auth.session.secondFactorPending else { return Redirect(to: "/admin/login").response }
        guard let token = try await accounts.completeSecondFactor(session: auth, code: form.text("code"), tenant: context.tenant, origin: origin(request, context)) else {
            var state = FormState()
            state.errors["code"] = "This code is not right. Enter the current 6-digit code from your authenticator, or a recovery code."
            return try renderer.render("admin/login-code", theme: context.tenant.theme,
                                       CodeView(layout: layout(context, "Two-factor code"), form: FormView(state)), status: .unauthorized).response(from: request, context: context)
        }
        var response = Redirect(to: "/admin").response
        response.setCookie(cookies.session(token, persistentFor: nil))
        return response
    }

    @Sendable func logout(_ request: Request, context: TenantRequestContext) async throws -> Response {
        if let auth = context.auth, auth.session.principalKind == .staff {
            try await accounts.signOut(auth, tenant: context.tenant, origin: origin(request, context))
        }
        var response = Redirect(to: "/admin/login").response
        response.setCookie(cookies.clearSession())
        return response
    }

    struct InviteView {
        let layout: LayoutModel
        let form: FormView
        let heading: String
        let intro: String?
        let action: String
        let token: String?
        let askName: Bool
        let submitLabel: String
    }

    func inviteView(_ context: TenantRequestContext, token: String, email: String?, form: FormState) -> InviteView {
        InviteView(layout: layout(context, "Set up your staff account"), form: FormView(form),
                   heading: "Set up your staff account",
                   intro: "Choose a password for \(email ?? "your account") at \(context.tenant.branding.companyName).",
                   action: "/admin/invite/\(token)", token: nil, askName: true, submitLabel: "Save and continue to sign-in")
    }

    @Sendable func inviteForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        guard let invitation = try await accounts.invitation(token, tenant: context.tenant) else { throw CustomerAccounts.invalidLink }
        var html = try renderer.render("portal/account/set-password", theme: context.tenant.theme,
                                       inviteView(context, token: token, email: invitation.email, form: FormState()))
        html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy
        return html
    }

    @Sendable func acceptInvite(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormFields.read(request)
        do {
            try await accounts.acceptInvitation(token: token, name: form.text("name"), password: form["password"] ?? "",
                                                tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try renderer.render("portal/account/set-password", theme: context.tenant.theme,
                                       inviteView(context, token: token, email: nil, form: state), status: .unprocessableContent).response(from: request, context: context)
        }
        return Redirect(to: "/admin/login").response
    }
}
