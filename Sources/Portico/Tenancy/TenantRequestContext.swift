import Hummingbird
import NIOCore

/// The context of every route on a tenant's host. Created only when the Host header
/// resolved to a tenant, so `tenant` is not optional for any route beneath it.
public struct TenantRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let remoteAddress: SocketAddress?
    public let clientIP: String

    public init(context: AppRequestContext) throws {
        guard case .tenant(let tenant) = context.site else {
            // A tenant route asked for on the operator host: as if it did not exist.
            throw AppError.notFound()
        }
        self.coreContext = context.coreContext
        self.tenant = tenant
        self.remoteAddress = context.remoteAddress
        self.clientIP = context.clientIP
    }

    public var maxUploadSize: Int { 1 * 1024 * 1024 }
}
