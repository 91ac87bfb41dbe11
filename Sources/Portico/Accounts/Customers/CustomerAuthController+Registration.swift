import Foundation
import Hummingbird
import Mustache

extension CustomerAuthController {
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
            try await accounts.register(registration, tenant: context.tenant, origin: context.origin(request))
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
        guard let email = try await accounts.verifyEmail(token: token, tenant: context.tenant, origin: context.origin(request)) else {
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
}
