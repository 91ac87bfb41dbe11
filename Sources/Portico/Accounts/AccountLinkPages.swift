import Foundation
import Hummingbird
import Mustache

/// What the account-link pages ask of an audience's accounts service: `CustomerAccounts` and
/// `StaffAccounts` answer these the same way for their own people.
protocol PasswordLinkAccounts: Sendable {
    func requestPasswordReset(email rawEmail: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws
    func resetTokenIsValid(_ token: String, tenant: ResolvedTenant) async throws -> Bool
    func resetPassword(token: String, newPassword: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws
    func acceptInvitation(token: String, name: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws
}

extension CustomerAccounts: PasswordLinkAccounts {}
extension StaffAccounts: PasswordLinkAccounts {}

/// The pages reached through emailed account links — "forgot your password?", the reset
/// form and the invitation form — for subscribers (`CustomerAuthController`) and staff
/// (`StaffAuthController`) alike. The flow is one and lives here; each audience passes in
/// its accounts service, its views and the pages that say what happened.
///
/// Every page that carries a link's token keeps it on this site (`keepingTokenOnThisSite`).
protocol AccountLinkPages: Sendable {
    associatedtype Accounts: PasswordLinkAccounts
    var accounts: Accounts { get }
    var renderer: PageRenderer { get }

    func forgotView(_ context: TenantRequestContext, form: FormState) -> CustomerAuthController.ForgotView
    func resetView(_ context: TenantRequestContext, token: String, form: FormState) -> CustomerAuthController.SetPasswordView
    func inviteView(_ context: TenantRequestContext, token: String, email: String?, form: FormState) -> CustomerAuthController.SetPasswordView
    /// "Check your email": the same answer whether or not the address has an account here.
    func resetLinkSent(_ context: TenantRequestContext, email: String) throws -> HTML
    /// The reset link is used, expired or unknown.
    func invalidResetLink(_ context: TenantRequestContext) throws -> HTML
    /// The new password is saved.
    func passwordChanged(_ context: TenantRequestContext) throws -> HTML
}

extension AccountLinkPages {
    // MARK: Password reset

    @Sendable func forgotForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        try renderer.render(.portalAccountForgot, theme: context.tenant.theme, forgotView(context, form: FormState()))
    }

    @Sendable func forgot(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            try await accounts.requestPasswordReset(email: form.text("email"), tenant: context.tenant, origin: context.origin(request))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try renderer.render(
                .portalAccountForgot, theme: context.tenant.theme, forgotView(context, form: state), status: .unprocessableContent)
        }
        return try resetLinkSent(context, email: EmailAddress.normalize(form.text("email")) ?? form.text("email"))
    }

    @Sendable func resetForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard try await accounts.resetTokenIsValid(token, tenant: context.tenant) else {
            return try invalidResetLink(context).keepingTokenOnThisSite()
        }
        return try renderer.render(
            .portalAccountSetPassword, theme: context.tenant.theme, resetView(context, token: token, form: FormState())
        ).keepingTokenOnThisSite()
    }

    @Sendable func reset(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let token = form["token"] ?? ""
        do {
            try await accounts.resetPassword(
                token: token, newPassword: form["password"] ?? "", tenant: context.tenant, origin: context.origin(request))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return try renderer.render(
                .portalAccountSetPassword, theme: context.tenant.theme, resetView(context, token: token, form: state),
                status: .unprocessableContent
            ).keepingTokenOnThisSite()
        } catch let error as AppError where error.code == "invalid_link" {
            return try invalidResetLink(context).keepingTokenOnThisSite()
        }
        return try passwordChanged(context).keepingTokenOnThisSite()
    }

    // MARK: Invitations

    /// The invitation's set-password page, empty, for the invited address.
    func invitationPage(_ context: TenantRequestContext, token: String, email: String) throws -> HTML {
        try renderer.render(
            .portalAccountSetPassword, theme: context.tenant.theme, inviteView(context, token: token, email: email, form: FormState())
        ).keepingTokenOnThisSite()
    }

    /// Accepts the invitation with the posted name and password. Returns the set-password page
    /// again with the problems when the form does not validate, nil when the invitation is
    /// accepted; any other error (a dead link, a suspended sign-in) is the caller's to answer.
    func acceptInvitation(_ request: Request, context: TenantRequestContext, token: String) async throws -> HTML? {
        let form = try await FormFields.read(request)
        do {
            try await accounts.acceptInvitation(
                token: token, name: form.text("name"), password: form["password"] ?? "",
                tenant: context.tenant, origin: context.origin(request))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try renderer.render(
                .portalAccountSetPassword, theme: context.tenant.theme, inviteView(context, token: token, email: nil, form: state),
                status: .unprocessableContent
            ).keepingTokenOnThisSite()
        }
        return nil
    }
}
