import Foundation
import Hummingbird
import NIOCore

/// The context of subscriber API routes: created only behind `SubscriberTokenAuthenticator`,
/// so the subscriber (and through it the organization) is not optional for any route here.
public struct SubscriberAPIContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let tenant: ResolvedTenant
    public let customer: SignedInCustomer
    public let tokenFamily: UUID
    public let clientIP: String

    public init(context: APIRequestContext) throws {
        guard let subscriber = context.subscriber else { throw APIAuthError.invalidToken }
        self.coreContext = context.coreContext
        self.tenant = context.tenant
        self.customer = subscriber.customer
        self.tokenFamily = subscriber.tokenFamily
        self.clientIP = context.clientIP
    }

    public var maxUploadSize: Int { APIBody.defaultLimit }

    public var origin: RequestOrigin { RequestOrigin(ip: clientIP, userAgent: "") }
}
