import Hummingbird

/// The tenant's front page: its brand and welcome message, and the way in.
struct PortalHomeController {
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("", use: root)
        group.get("portal", use: home)
    }

    struct View {
        let layout: LayoutModel
        let welcomeMessage: String
        let companyName: String
    }

    @Sendable func root(_ request: Request, context: TenantRequestContext) async throws -> Response {
        Response(status: .seeOther, headers: [.location: "/portal"])
    }

    @Sendable func home(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let tenant = context.tenant
        let view = View(
            layout: LayoutModel(tenant: tenant, title: tenant.branding.companyName, area: "portal"),
            welcomeMessage: tenant.branding.welcomeMessage,
            companyName: tenant.branding.companyName
        )
        return try renderer.render("portal/home", theme: tenant.theme, view)
    }
}
