import Foundation
import Hummingbird
import NIOCore

/// The context of staff pages: created only when a staff member of this tenant is signed in
/// (second factor done), so `staff` is not optional beneath it.
public struct StaffRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let staff: SignedInStaff
    public let auth: AuthState
    public let clientIP: String
    public let requestHost: String
    public let csrfToken: String
    let parent: TenantRequestContext

    public init(context: TenantRequestContext) throws {
        guard let auth = context.auth, let staff = auth.staff else {
            if context.auth?.session.principalKind == .staff, context.auth?.session.secondFactorPending == true {
                throw Redirect(to: ConsoleRoutes.loginCode.path)
            }
            throw SignInRequired(loginPath: ConsoleRoutes.login.path, next: context.requestPath)
        }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.staff = staff
        self.auth = auth
        self.clientIP = context.clientIP
        self.requestHost = context.requestHost
        self.csrfToken = context.csrfToken
        self.parent = context
    }

    public var maxUploadSize: Int { 1 * 1024 * 1024 }

    public func origin(_ request: Request) -> RequestOrigin {
        RequestOrigin(ip: clientIP, userAgent: request.headers[.userAgent] ?? "")
    }

    /// The staff console's layout: navigation for this person's role.
    public func layout(title: String, current: String) -> LayoutModel {
        var layout = LayoutModel(tenant: tenant, title: title, area: "admin")
        layout.csrfToken = csrfToken
        layout.signedIn = true
        layout.userName = staff.displayName
        layout.signOutAction = ConsoleRoutes.logout.path
        layout.nav = AdminNavigation.items(for: staff.role).map {
            LayoutModel.NavItem(label: $0.label, href: $0.href, current: $0.href == current)
        }
        return layout
    }
}

/// Which sections of the console each role sees.
enum AdminNavigation {
    struct Item {
        let label: String
        let href: String
        let minimumRole: StaffRole
        /// Staff above this role see another item instead (nil: no upper bound).
        var maximumRole: StaffRole? = nil
    }

    static let all: [Item] = [
        Item(label: "Command centre", href: ConsoleRoutes.home.path, minimumRole: .technician),
        Item(label: "Work orders", href: ConsoleRoutes.workOrders.path, minimumRole: .technician),
        Item(label: "Appointments", href: ConsoleRoutes.appointments.path, minimumRole: .technician),
        Item(label: "Subscribers", href: ConsoleRoutes.customers.path, minimumRole: .agent),
        Item(label: "Tasks", href: ConsoleRoutes.tasks.path, minimumRole: .agent),
        Item(label: "Email outbox", href: ConsoleRoutes.outbox.path, minimumRole: .agent),
        Item(label: "Settings", href: ConsoleRoutes.settings.path, minimumRole: .admin),
        Item(label: "Reports", href: ConsoleRoutes.reports.path, minimumRole: .admin),
        Item(label: "Audit log", href: ConsoleRoutes.audit.path, minimumRole: .admin),
        Item(label: "Deletion requests", href: ConsoleRoutes.deletionRequests.path, minimumRole: .admin),
        Item(label: "Import / export", href: ConsoleRoutes.imports.path, minimumRole: .admin),
        Item(label: "Export", href: ConsoleRoutes.exports.path, minimumRole: .agent, maximumRole: .agent),
        Item(label: "My account", href: ConsoleRoutes.account.path, minimumRole: .technician),
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
            throw AppError(
                .forbidden, code: "forbidden",
                "This part of the console is for \(minimum == .admin ? "admins" : "agents and admins"). Ask an admin if you need access.")
        }
        return try await next(request, context)
    }
}
