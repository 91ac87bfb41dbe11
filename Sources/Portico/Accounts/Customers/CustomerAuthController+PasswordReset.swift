import Foundation
import Hummingbird
import Mustache

/// The subscriber's side of the account-link pages (`AccountLinkPages` holds the flow).
extension CustomerAuthController {
    // MARK: Password reset

    func forgotView(_ context: TenantRequestContext, form: FormState) -> ForgotView {
        ForgotView.portal(context, form: form)
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

    func resetView(_ context: TenantRequestContext, token: String, form: FormState) -> SetPasswordView {
        setPasswordView(context, form: form, token: token, reset: true)
    }

    func inviteView(_ context: TenantRequestContext, token: String, email: String?, form: FormState) -> SetPasswordView {
        setPasswordView(context, form: form, token: token, reset: false, email: email)
    }

    func resetLinkSent(_ context: TenantRequestContext, email: String) throws -> HTML {
        try message(
            context, title: L10n.t("portal.checkEmail.title"), heading: L10n.t("portal.checkEmail.title"),
            [
                L10n.t("portal.forgot.sent", ["email": email]),
                L10n.t("portal.forgot.noEmail"),
            ], action: (PortalRoutes.login.path, L10n.t("portal.action.backToSignIn")))
    }

    func passwordChanged(_ context: TenantRequestContext) throws -> HTML {
        try message(
            context, title: L10n.t("portal.setPassword.changedTitle"), heading: L10n.t("portal.setPassword.changedHeading"),
            [
                L10n.t("portal.setPassword.changedBody")
            ], action: (PortalRoutes.login.path, L10n.t("portal.action.signIn")))
    }

    func invalidResetLink(_ context: TenantRequestContext) throws -> HTML {
        noReferrer(
            try message(
                context, title: L10n.t("portal.invalidLink.title"), heading: L10n.t("portal.invalidLink.heading"),
                [
                    L10n.t("portal.invalidLink.why")
                ], action: (PortalRoutes.forgotPassword.path, L10n.t("portal.invalidLink.askNew")), status: .notFound))
    }
}
