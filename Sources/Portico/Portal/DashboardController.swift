import Foundation
import Hummingbird

/// `/portal`: what a signed-in subscriber sees first.
struct DashboardController {
    let dependencies: AppDependencies

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get("portal", use: dashboard)
    }

    struct View {
        let layout: LayoutModel
        let customerName: String
        let welcomeMessage: String
        let emailVerified: Bool
        let email: String
    }

    @Sendable func dashboard(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let view = View(
            layout: context.layout(title: "Dashboard", current: "/portal"),
            customerName: context.customer.name,
            welcomeMessage: context.tenant.branding.welcomeMessage,
            emailVerified: context.customer.emailVerified,
            email: context.customer.email
        )
        return try dependencies.renderer.render("portal/dashboard", theme: context.tenant.theme, view)
    }
}
