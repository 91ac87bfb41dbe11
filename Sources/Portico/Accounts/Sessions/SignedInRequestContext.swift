import Foundation
import Hummingbird

/// A page context beneath `TenantRequestContext` that exists only while someone is signed in
/// (`CustomerRequestContext`, `StaffRequestContext`). The tenant's request values are the
/// parent's; each context adds the person it was created for.
public protocol SignedInRequestContext: ChildRequestContext where ParentContext == TenantRequestContext {
    var parent: TenantRequestContext { get }
}

extension SignedInRequestContext {
    public var tenant: ResolvedTenant { parent.tenant }
    public var clientIP: String { parent.clientIP }
    public var requestHost: String { parent.requestHost }
    public var csrfToken: String { parent.csrfToken }
    public var maxUploadSize: Int { 1 * 1024 * 1024 }
}
