import Foundation
import Hummingbird
import Mustache

/// First-run setup (the emailed setup link sets the password) and TOTP enrolment, both required
/// before anything else on the operator console.
extension OperatorController {
    @Sendable func setupForm(_ request: Request, context: OperatorSiteContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        guard try await accounts.setupTokenIsValid(token) else { throw CustomerAccounts.invalidLink }
        var html = try page(
            publicLayout(context, L10n.t("operator.setup.title")), kind: "setup", heading: L10n.t("operator.setup.heading"),
            action: OperatorRoutes.setup(token))
        html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy
        return html
    }

    @Sendable func setup(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await FormFields.read(request)
        do {
            let session = try await accounts.completeSetup(token: token, password: form["password"] ?? "", origin: origin(request, context.clientIP))
            return Redirect(to: OperatorRoutes.enrol.path).response(setting: cookies.operatorSession(session))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return try page(
                publicLayout(context, L10n.t("operator.setup.title")), kind: "setup", heading: L10n.t("operator.setup.heading"),
                action: OperatorRoutes.setup(token), form: state, status: .unprocessableContent
            ).response(from: request, context: context)
        }
    }

    @Sendable func enrolForm(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        guard let session = context.session else { return Redirect(to: OperatorRoutes.login.path).response }
        guard session.totpEnabledAt == nil else {
            return Redirect(to: session.secondFactorPending ? OperatorRoutes.loginCode.path : OperatorRoutes.home.path).response
        }
        let secret = try await accounts.enrolmentSecret(for: session)
        let url = TOTPCodes.authenticatorURL(secret: secret, account: session.email, issuer: "Portico operators")
        return try page(
            publicLayout(context, L10n.t("operator.enrol.title")), kind: "enrol", heading: L10n.t("operator.enrol.heading"),
            action: OperatorRoutes.enrol.path, enrol: (url, TOTPCodes.manualKey(secret: secret))
        ).response(from: request, context: context)
    }

    @Sendable func enrol(_ request: Request, context: OperatorSiteContext) async throws -> Response {
        let form = try await FormFields.read(request)
        guard let session = context.session, let token = context.sessionToken else { return Redirect(to: OperatorRoutes.login.path).response }
        guard let (fresh, codes) = try await accounts.confirmEnrolment(session: session, token: token, code: form.text("code")) else {
            let secret = try await accounts.enrolmentSecret(for: session)
            var state = FormState()
            state.errors["code"] = L10n.t("operator.enrol.wrong")
            let url = TOTPCodes.authenticatorURL(secret: secret, account: session.email, issuer: "Portico operators")
            return try page(
                publicLayout(context, L10n.t("operator.enrol.title")), kind: "enrol", heading: L10n.t("operator.enrol.heading"),
                action: OperatorRoutes.enrol.path, form: state, enrol: (url, TOTPCodes.manualKey(secret: secret)),
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        var response = try page(
            publicLayout(context, L10n.t("operator.codes.title")), kind: "codes", heading: L10n.t("operator.codes.heading"),
            action: OperatorRoutes.home.path, codes: codes
        ).response(from: request, context: context)
        response.setCookie(cookies.operatorSession(fresh))
        return response
    }
}
