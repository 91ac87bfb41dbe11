import Foundation
import Postgres

/// `portico tenant …` as functions returning what to print, so tests can call them.
public enum TenantCommands {
    public static func create(_ request: TenantOnboardingRequest, environment: CommandEnvironment) async throws -> String {
        let onboarded = try await TenantOnboarding(pool: environment.pool, configuration: environment.configuration).create(request)
        var lines = [
            "Created tenant \(onboarded.tenant.slug) (\(onboarded.tenant.name))",
            "  portal:       \(PublicOrigin(configuration: environment.configuration).origin(host: onboarded.platformHost))\(PortalRoutes.home.path)",
        ]
        if let domain = onboarded.customDomain {
            lines.append("  custom domain \(domain.domain): not active until verified —")
            lines.append("    create TXT \(DomainVerification.recordName(for: domain.domain)) = \"\(domain.verificationToken)\"")
            lines.append("    and CNAME \(domain.domain) → \(onboarded.platformHost), then verify it in /admin/domains")
        }
        lines.append("  first admin:  \(request.adminEmail.lowercased()) (invited)")
        lines.append("  setup link (one use, 7 days): \(onboarded.adminSetupLink)")
        return lines.joined(separator: "\n")
    }

    public struct Listed: Encodable, Sendable {
        public let slug: String
        public let name: String
        public let status: String
        public let host: String
        public let domains: [Domain]
        public let organizations: Int
        public let customers: Int
        public let staff: Int
        public let openWorkOrders: Int
        public let createdAt: Date

        /// A custom domain and whether its DNS record is verified; in the JSON listing it is one
        /// string, `name` or `name (unverified)`.
        public struct Domain: Encodable, Sendable {
            public let name: String
            public let verified: Bool

            public var label: String { verified ? name : "\(name) (unverified)" }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(label)
            }
        }
    }

    public static func list(environment: CommandEnvironment) async throws -> [Listed] {
        let store = PostgresTenantStore(pool: environment.pool)
        var result: [Listed] = []
        for tenant in try await store.allTenants() {
            let usage = try await store.usage(for: tenant.id)
            let domains = try await store.domains(for: tenant.id).map { Listed.Domain(name: $0.domain, verified: $0.isActive) }
            result.append(
                Listed(
                    slug: tenant.slug, name: tenant.name, status: tenant.status.rawValue,
                    host: "\(tenant.slug).\(environment.configuration.baseDomain)", domains: domains,
                    organizations: usage.organizations, customers: usage.customers, staff: usage.staff,
                    openWorkOrders: usage.openWorkOrders, createdAt: tenant.createdAt
                ))
        }
        return result
    }

    public static func listText(_ tenants: [Listed]) -> String {
        guard !tenants.isEmpty else { return "No tenants yet. Create one with: portico tenant create --slug … --name … --admin-email …" }
        let header = ["SLUG", "STATUS", "NAME", "HOST", "ORGS", "CUSTOMERS", "OPEN WOs"]
        let rows = tenants.map { [$0.slug, $0.status, $0.name, $0.host, "\($0.organizations)", "\($0.customers)", "\($0.openWorkOrders)"] }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            let padded = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            return padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    public static func listJSON(_ tenants: [Listed]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(tenants), as: UTF8.self)
    }

    public static func setStatus(_ status: TenantStatus, slug: String, environment: CommandEnvironment) async throws -> String {
        guard let tenant = try await PostgresTenantStore(pool: environment.pool).setStatus(status, slug: slug) else {
            throw AppError(.notFound, code: "tenant_not_found", "No tenant has the slug '\(slug)'. `portico tenant list` shows them.")
        }
        return status == .suspended
            ? "Suspended \(tenant.slug): its portal now answers 503 \"temporarily unavailable\"."
            : "Resumed \(tenant.slug): its portal is available again."
    }
}
