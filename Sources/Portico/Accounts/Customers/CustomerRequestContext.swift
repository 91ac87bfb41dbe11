import Foundation
import Hummingbird
import NIOCore

/// The context of subscriber pages: created only when a customer of this tenant is signed in,
/// so `customer` is not optional for any route beneath it. Without one, the browser is sent
/// to the sign-in page (and brought back afterwards).
public struct CustomerRequestContext: SignedInRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let customer: SignedInCustomer
    public let auth: AuthState
    public let parent: TenantRequestContext

    public init(context: TenantRequestContext) throws {
        guard let auth = context.auth, let customer = auth.customer else {
            throw SignInRequired(loginPath: PortalRoutes.login.path, next: context.requestPath)
        }
        self.coreContext = context.coreContext
        self.customer = customer
        self.auth = auth
        self.parent = context
    }

    /// The portal layout for this page.
    public func layout(title: String, current: String) -> LayoutModel {
        LayoutModel.portal(parent, title: title, current: current)
    }

    public var origin: RequestOrigin { RequestOrigin(ip: clientIP, userAgent: "") }
}
