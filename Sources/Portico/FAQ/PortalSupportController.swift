import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/support`: the tenant's frequently asked questions (searchable) and how to reach support.
struct PortalSupportController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.support, use: support)
    }

    @MustacheView
    struct SupportView {
        let layout: LayoutModel
        let faq: [Entry]
        let query: String
        /// "No question matches “…”."
        let noMatch: String
        let supportEmail: String?
        let supportPhone: String?
        let supportHours: String?
        let websiteUrl: String?
        @MustacheView
        struct Entry { let question: String; let answer: String }
    }

    @Sendable func support(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let query = String((request.uri.queryParameters.get("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespaces)
        let entries = try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.settings.searchFAQ(query, language: L10n.texts.language.code, in: tx)
        }
        let branding = context.tenant.branding
        return try renderer.render(
            .portalSupport, theme: context.tenant.theme,
            SupportView(
                layout: context.layout(title: L10n.t("portal.support.heading"), current: PortalRoutes.support.path),
                faq: entries.map {
                    .init(
                        question: $0.translations.localized("question", default: $0.question),
                        answer: $0.translations.localized("answer", default: $0.answer))
                }, query: query,
                noMatch: L10n.t("portal.support.noMatch", ["query": query]),
                supportEmail: branding.supportEmail, supportPhone: branding.supportPhone,
                supportHours: branding.translations.localized("support_hours", default: branding.supportHours),
                websiteUrl: branding.websiteUrl))
    }
}
