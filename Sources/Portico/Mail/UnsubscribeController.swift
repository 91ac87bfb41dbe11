import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

/// `/portal/unsubscribe/{customer}/{group}/{key}`: the link in `List-Unsubscribe`. GET shows
/// a confirmation button; POST (the button, or a mail client's RFC 8058 one-click request)
/// mutes that group of notification mail. The per-subscriber key in the URL authenticates it,
/// so it needs no session and is registered outside the CSRF token check.
struct UnsubscribeController {
    let dependencies: AppDependencies

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

    func target(_ context: TenantRequestContext) async throws -> (UUID, NotificationPreferences.Group) {
        guard let customerText = context.parameters.get("customer"), let customerID = UUID(uuidString: customerText),
            let group = context.parameters.get("group").flatMap(NotificationPreferences.Group.init(rawValue:)),
            let key = context.parameters.get("key")
        else { throw AppError.notFound("link") }
        let stored = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await tx.scalar("SELECT unsubscribe_key FROM customers WHERE id = \(customerID)", as: String.self)
        }
        guard let stored, Digest.constantTimeEquals(stored, key) else { throw AppError.notFound("link") }
        return (customerID, group)
    }

    @Sendable func confirm(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let (_, group) = try await target(context)
        var html = try dependencies.renderer.render(
            .portalUnsubscribe, theme: context.tenant.theme,
            View(
                layout: .portal(context, title: "Unsubscribe", current: ""), heading: "Stop these emails?",
                paragraphs: [
                    "You will no longer get emails about: \(group.label.lowercased()). Security emails (password resets, confirmations) still arrive."
                ],
                actionUrl: nil, actionLabel: nil, formAction: request.uri.path))
        html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy
        return html
    }

    @Sendable func unsubscribe(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let (customerID, group) = try await target(context)
        try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let current =
                try await tx.first("SELECT notification_preferences FROM customers WHERE id = \(customerID)")?
                .decodeJSON("notification_preferences", as: NotificationPreferences.self) ?? NotificationPreferences()
            var updated = current
            if !updated.muted.contains(group.rawValue) { updated.muted.append(group.rawValue) }
            try await tx.execute("UPDATE customers SET notification_preferences = \(JSONParameter(updated))::jsonb WHERE id = \(customerID)")
        }
        return try dependencies.renderer.render(
            .portalUnsubscribe, theme: context.tenant.theme,
            View(
                layout: .portal(context, title: "Unsubscribed", current: ""), heading: "You are unsubscribed",
                paragraphs: ["You will no longer get emails about: \(group.label.lowercased()). You can turn them on again in your profile."],
                actionUrl: PortalRoutes.profile.path, actionLabel: "Open your profile", formAction: nil))
    }
}
