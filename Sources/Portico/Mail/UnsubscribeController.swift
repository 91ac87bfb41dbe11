import Foundation
import Hummingbird
import Mustache

/// `/portal/unsubscribe/{customer}/{group}/{key}`: the link in `List-Unsubscribe`. GET shows
/// a confirmation button; POST (the button, or a mail client's RFC 8058 one-click request)
/// mutes that group of notification mail. The per-subscriber key in the URL authenticates it,
/// so it needs no session and is registered outside the CSRF token check.
struct UnsubscribeController {
    let preferences: EmailPreferences
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PortalRoutes.unsubscribe, use: confirm)
        group.post(PortalRoutes.unsubscribe, use: unsubscribe)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let heading: String
        let paragraphs: [String]
        let actionUrl: String?
        let actionLabel: String?
        let formAction: String?
    }

    /// The customer and group the link names; a malformed link or a wrong key: not found.
    func target(_ context: TenantRequestContext) async throws -> (UUID, NotificationPreferences.Group) {
        guard let customerText = context.parameters.get("customer"), let customerID = UUID(uuidString: customerText),
            let group = context.parameters.get("group").flatMap(NotificationPreferences.Group.init(rawValue:)),
            let key = context.parameters.get("key"),
            try await preferences.acceptsUnsubscribeKey(key, customer: customerID, tenant: context.tenant)
        else { throw AppError.notFound("link") }
        return (customerID, group)
    }

    @Sendable func confirm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let (_, group) = try await target(context)
        var html = try renderer.render(
            .portalUnsubscribe, theme: context.tenant.theme,
            View(
                layout: .portal(context, title: L10n.t("portal.unsubscribe.confirmTitle"), current: ""),
                heading: L10n.t("portal.unsubscribe.confirmHeading"),
                paragraphs: [L10n.t("portal.unsubscribe.confirmText", ["group": group.label])],
                actionUrl: nil, actionLabel: nil, formAction: request.uri.path))
        html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy
        return html
    }

    @Sendable func unsubscribe(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let (customerID, group) = try await target(context)
        try await preferences.mute(group, customer: customerID, tenant: context.tenant)
        return try renderer.render(
            .portalUnsubscribe, theme: context.tenant.theme,
            View(
                layout: .portal(context, title: L10n.t("portal.unsubscribe.doneTitle"), current: ""),
                heading: L10n.t("portal.unsubscribe.doneHeading"),
                paragraphs: [L10n.t("portal.unsubscribe.doneText", ["group": group.label])],
                actionUrl: PortalRoutes.profile.path, actionLabel: L10n.t("portal.unsubscribe.openProfile"), formAction: nil))
    }
}
