import Foundation
import Hummingbird
import NIOCore

/// The context of subscriber pages: created only when a customer of this tenant is signed in,
/// so `customer` is not optional for any route beneath it. Without one, the browser is sent
/// to the sign-in page (and brought back afterwards).
public struct CustomerRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let customer: SignedInCustomer
    public let auth: AuthState
    public let clientIP: String
    public let requestHost: String
    public let csrfToken: String
    let parent: TenantRequestContext

    public init(context: TenantRequestContext) throws {
        guard let auth = context.auth, let customer = auth.customer else {
            throw SignInRequired(loginPath: PortalRoutes.login.path, next: context.requestPath)
        }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.customer = customer
        self.auth = auth
        self.clientIP = context.clientIP
        self.requestHost = context.requestHost
        self.csrfToken = context.csrfToken
        self.parent = context
    }

    public var maxUploadSize: Int { 1 * 1024 * 1024 }

    /// The portal layout for this page.
    public func layout(title: String, current: String) -> LayoutModel {
        LayoutModel.portal(parent, title: title, current: current)
    }

    public var origin: RequestOrigin { RequestOrigin(ip: clientIP, userAgent: "") }
}
