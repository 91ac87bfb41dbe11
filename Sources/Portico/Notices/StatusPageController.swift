import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/status`: the public service status page of a tenant (no sign-in).
struct StatusPageController {
    let pool: ConnectionPool
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(PublicRoutes.status, use: status)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let current: [ServiceNotices.View]
        let upcoming: [ServiceNotices.View]
        let history: [ServiceNotices.View]
        let allClear: Bool
    }

    @Sendable func status(_ request: Request, context: TenantRequestContext) async throws -> HTML {
        let notices = try await pool.withTenant(context.tenant.id) { tx in try await ServiceNotices.recent(in: tx) }
        let views = notices.map { ServiceNotices.view($0) }
        let current = views.filter(\.current)
        return try renderer.render(
            .status, theme: context.tenant.theme,
            View(
                layout: .portal(context, title: L10n.t("layout.footer.serviceStatus"), current: ""), current: current,
                upcoming: views.filter(\.upcoming),
                history: views.filter { !$0.current && !$0.upcoming }, allClear: current.isEmpty))
    }
}
