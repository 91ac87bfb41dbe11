import Hummingbird
import Mustache

/// The tenant's front page: its brand and welcome message, and the way in.
struct PortalHomeController {
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PublicRoutes.root, use: home)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let welcomeMessage: String
        let companyName: String
        let heading: String
        let signedIn: Bool
    }

    @Sendable func home(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let tenant = context.tenant
        let view = View(
            layout: .portal(context, title: L10n.t("portal.home.title"), current: ""),
            welcomeMessage: tenant.branding.translations.localized("welcome_message", default: tenant.branding.welcomeMessage),
            companyName: tenant.branding.companyName,
            heading: L10n.t("portal.home.heading", ["company": tenant.branding.companyName]),
            signedIn: context.auth?.customer != nil
        )
        return try renderer.render(.portalHome, theme: tenant.theme, view)
    }
}
