import Foundation
import Hummingbird
import NIOCore

/// The context of staff pages: created only when a staff member of this tenant is signed in
/// (second factor done), so `staff` is not optional beneath it.
public struct StaffRequestContext: SignedInRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let staff: SignedInStaff
    public let auth: AuthState
    public let parent: TenantRequestContext

    public init(context: TenantRequestContext) throws {
        guard let auth = context.auth, let staff = auth.staff else {
            if context.auth?.session.principalKind == .staff, context.auth?.session.secondFactorPending == true {
                throw Redirect(to: ConsoleRoutes.loginCode.path)
            }
            throw SignInRequired(loginPath: ConsoleRoutes.login.path, next: context.requestPath)
        }
        self.coreContext = context.coreContext
        self.staff = staff
        self.auth = auth
        self.parent = context
    }

    public func origin(_ request: Request) -> RequestOrigin {
        RequestOrigin(request, ip: clientIP)
    }

    /// The staff console's layout: navigation for this person's role.
    public func layout(title: String, current: String) -> LayoutModel {
        var layout = LayoutModel(tenant: tenant, title: title, area: "admin")
        layout.csrfToken = csrfToken
        layout.signedIn = true
        layout.userName = staff.displayName
        layout.signOutAction = ConsoleRoutes.logout.path
        layout.languageBack = parent.requestPath
        let texts = L10n.texts
        layout.nav = AdminNavigation.items(for: staff.role).map {
            LayoutModel.NavItem(label: texts("console.nav.\($0.key)"), href: $0.href, current: $0.href == current)
        }
        return layout
    }
}

/// Which sections of the console each role sees.
enum AdminNavigation {
    struct Item {
        /// `console.nav.<key>` in the catalog.
        let key: String
        let href: String
        let minimumRole: StaffRole
        /// Staff above this role see another item instead (nil: no upper bound).
        var maximumRole: StaffRole? = nil
    }

    static let all: [Item] = [
        Item(key: "home", href: ConsoleRoutes.home.path, minimumRole: .technician),
        Item(key: "workOrders", href: ConsoleRoutes.workOrders.path, minimumRole: .technician),
        Item(key: "appointments", href: ConsoleRoutes.appointments.path, minimumRole: .technician),
        Item(key: "customers", href: ConsoleRoutes.customers.path, minimumRole: .agent),
        Item(key: "tasks", href: ConsoleRoutes.tasks.path, minimumRole: .agent),
        Item(key: "outbox", href: ConsoleRoutes.outbox.path, minimumRole: .agent),
        Item(key: "settings", href: ConsoleRoutes.settings.path, minimumRole: .admin),
        Item(key: "reports", href: ConsoleRoutes.reports.path, minimumRole: .admin),
        Item(key: "audit", href: ConsoleRoutes.audit.path, minimumRole: .admin),
        Item(key: "deletionRequests", href: ConsoleRoutes.deletionRequests.path, minimumRole: .admin),
        Item(key: "imports", href: ConsoleRoutes.imports.path, minimumRole: .admin),
        Item(key: "exports", href: ConsoleRoutes.exports.path, minimumRole: .agent, maximumRole: .agent),
        Item(key: "account", href: ConsoleRoutes.account.path, minimumRole: .technician),
    ]

    static func items(for role: StaffRole) -> [Item] {
        all.filter { role >= $0.minimumRole && $0.maximumRole.map { role <= $0 } ?? true }
    }
}

/// The role policy: routes beneath it answer 403 to staff below `minimum`.
struct RequireRole: RouterMiddleware {
    typealias Context = StaffRequestContext

    let minimum: StaffRole

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.staff.role >= minimum else {
            throw AppError(.forbidden, code: "forbidden", L10n.t(minimum == .admin ? "console.errors.forAdmins" : "console.errors.forAgents"))
        }
        return try await next(request, context)
    }
}
