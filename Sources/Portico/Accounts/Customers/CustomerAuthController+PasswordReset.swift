import Foundation
import Hummingbird
import Mustache

extension CustomerAuthController {
    // MARK: Password reset

    @Sendable func forgotForm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        try renderer.render(.portalAccountForgot, theme: context.tenant.theme, ForgotView.portal(context, form: FormState()))
    }

    @Sendable func forgot(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            try await accounts.requestPasswordReset(email: form.text("email"), tenant: context.tenant, origin: context.origin(request))
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
                token: token, newPassword: form["password"] ?? "", tenant: context.tenant, origin: context.origin(request))
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
}
