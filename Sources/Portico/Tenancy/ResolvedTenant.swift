import Foundation

/// A tenant as a request sees it once its Host header resolved: identity, status, theme,
/// branding and the host its links are built on.
public struct ResolvedTenant: Sendable {
    public let id: TenantID
    public let slug: String
    public let name: String
    public let isSuspended: Bool
}
