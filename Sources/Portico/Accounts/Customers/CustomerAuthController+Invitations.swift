import Foundation
import Hummingbird
import Mustache

extension CustomerAuthController {
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
        return try invitationPage(context, token: token, email: invitation.email)
    }

    @Sendable func acceptInvite(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        do {
            if let retry = try await acceptInvitation(request, context: context, token: token) { return retry }
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
        let state = try await accounts.pool.withTenant(context.tenant.id) { tx in
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
            return try invalidResetLink(context)
        }
    }
}
