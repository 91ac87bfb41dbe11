import Foundation
import Mustache

/// How the operator console names a tenant, in the tenant table and on the tenant's own page
/// alike: the status badge and the hosts, an unverified custom domain marked as such.
@MustacheView
struct OperatorTenantHeading {
    let slug: String
    let name: String
    let status: String
    let statusLabel: String
    let host: String
    let domains: [String]

    init(slug: String, name: String, status: String, host: String, domains: [TenantCommands.Listed.Domain]) {
        self.slug = slug
        self.name = name
        self.status = status
        statusLabel = L10n.t("operator.tenantStatus.\(status)")
        self.host = host
        self.domains = domains.map { $0.verified ? $0.name : L10n.t("operator.tenant.unverified", ["domain": $0.name]) }
    }
}
