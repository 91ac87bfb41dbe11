import Foundation
import PorticoCrypto
import Postgres

/// What an operator asks for when onboarding a WISP.
public struct TenantOnboardingRequest: Sendable {
    public var slug: String
    public var name: String
    public var adminEmail: String
    public var customDomain: String?
    /// An IANA zone name (`America/Chicago`): where the tenant's people see and enter times.
    public var timeZone: String
    /// The portal's language; admins may offer more later (`/admin/settings/languages`).
    public var defaultLanguage: Language

    public init(
        slug: String, name: String, adminEmail: String, customDomain: String? = nil, timeZone: String = "UTC",
        defaultLanguage: Language = .en
    ) {
        self.slug = slug
        self.name = name
        self.adminEmail = adminEmail
        self.customDomain = customDomain
        self.timeZone = timeZone.trimmingCharacters(in: .whitespaces)
        self.defaultLanguage = defaultLanguage
    }
}

public struct OnboardedTenant: Sendable {
    public let tenant: Tenant
    public let platformHost: String
    public let customDomain: TenantDomain?
    public let adminStaffID: UUID
    /// The one-time link the first admin uses to set a password.
    public let adminSetupLink: String
    /// Its token, for the invitation email.
    public let adminSetupToken: String
}

/// Creates a tenant with everything it needs in one transaction: the tenant, its custom domain
/// (unverified), default branding, the default work-order categories, and its first admin
/// (invited, with a one-time setup link).
public struct TenantOnboarding: Sendable {
    let pool: ConnectionPool
    let configuration: AppConfiguration
    let repositories: Repositories

    public init(pool: ConnectionPool, configuration: AppConfiguration, repositories: Repositories = .postgres) {
        self.pool = pool
        self.configuration = configuration
        self.repositories = repositories
    }

    /// Names a tenant may not take: they are, or will be, hosts of the platform itself.
    public static let reservedSlugs: Set<String> = [
        "www", "admin", "operator", "operators", "api", "app", "apps", "mail", "smtp", "imap", "static", "assets", "cdn",
        "portal", "status", "support", "help", "docs", "billing", "internal", "localhost", "portico", "root", "system",
        "dashboard", "login", "auth", "account", "accounts", "test", "demo-admin",
    ]

    /// Checks the request; returns field → message for every problem.
    public func validate(_ request: TenantOnboardingRequest) -> [String: String] {
        var problems: [String: String] = [:]
        // In the operator's language on the console; English for the CLI.
        let texts = L10n.texts
        let slug = request.slug
        if slug.count < 3 || slug.count > 40 {
            problems["slug"] = texts("operator.newTenant.error.slugLength")
        } else if !slug.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            problems["slug"] = texts("operator.newTenant.error.slugCharacters")
        } else if slug.hasPrefix("-") || slug.hasSuffix("-") {
            problems["slug"] = texts("operator.newTenant.error.slugEnds")
        } else if Self.reservedSlugs.contains(slug) {
            problems["slug"] = texts("operator.newTenant.error.slugReserved", ["slug": slug])
        }
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 {
            problems["name"] = texts("operator.newTenant.error.name")
        }
        if EmailAddress.normalize(request.adminEmail) == nil {
            problems["admin-email"] = texts("operator.newTenant.error.email", ["email": request.adminEmail])
        }
        if let problem = TenantTimeZone.problem(request.timeZone) {
            problems["time-zone"] = problem
        }
        if let domain = request.customDomain {
            if let problem = Self.customDomainProblem(domain, configuration: configuration) {
                problems["domain"] = problem
            }
        }
        return problems
    }

    /// Why a host cannot be a tenant's custom domain, or nil when it can.
    public static func customDomainProblem(_ domain: String, configuration: AppConfiguration) -> String? {
        guard let host = HostName.normalize(domain), host.contains(".") else {
            return L10n.t("domains.problem.notDomain", ["domain": domain])
        }
        if IPNetwork.parseAddress(host) != nil { return L10n.t("domains.problem.ipAddress", ["domain": host]) }
        if host == configuration.baseDomain || host.hasSuffix("." + configuration.baseDomain) {
            return L10n.t("domains.problem.platformDomain", ["domain": host, "base": configuration.baseDomain])
        }
        if host == configuration.operatorHost { return L10n.t("domains.problem.operatorHost", ["domain": host]) }
        return nil
    }

    public func create(_ request: TenantOnboardingRequest) async throws -> OnboardedTenant {
        let problems = validate(request)
        guard problems.isEmpty else {
            throw AppError.validation(
                problems,
                message: L10n.t(
                    "operator.newTenant.error.summary",
                    ["problems": problems.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ")]))
        }
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let adminEmail = EmailAddress.normalize(request.adminEmail)!
        let domain = request.customDomain.flatMap(HostName.normalize)
        let setupToken = SecureRandom.token()
        let result = try await pool.withNewTenant(
            create: { transaction in
                do {
                    return try await transaction.first(
                        """
                        INSERT INTO tenants (slug, name, time_zone, default_language, offered_languages)
                        VALUES (\(request.slug), \(name), \(request.timeZone), \(request.defaultLanguage.code), \([request.defaultLanguage.code]))
                        RETURNING \(PostgresTenantStore.tenantColumns)
                        """)!.decode(Tenant.self)
                } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                    throw AppError(
                        .conflict, code: "slug_taken", L10n.t("operator.newTenant.error.slugTakenMessage", ["slug": request.slug]),
                        fields: ["slug": L10n.t("operator.newTenant.error.slugTaken")])
                }
            }, tenant: \.id,
            then: { tenant, scoped in
                // The rest is tenant-owned, in the same transaction scoped to the new tenant.
                var customDomain: TenantDomain?
                if let domain {
                    let taken =
                        try await scoped.scalar(
                            """
                            SELECT count(*)::int FROM tenant_domains WHERE domain = \(domain) AND verified_at IS NOT NULL
                            """, as: Int.self) ?? 0
                    if taken > 0 {
                        throw AppError(
                            .conflict, code: "domain_taken", L10n.t("operator.newTenant.error.domainTakenMessage", ["domain": domain]),
                            fields: ["domain": L10n.t("operator.newTenant.error.domainTaken")])
                    }
                    customDomain = try await scoped.first(
                        """
                        INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token)
                        VALUES (\(tenant.id), \(domain), 'custom', \(DomainVerification.newToken()))
                        RETURNING *
                        """)!.decode(TenantDomain.self)
                }
                try await scoped.execute("INSERT INTO tenant_branding (tenant_id, company_name) VALUES (\(tenant.id), \(name))")
                try await WorkOrderCategories.seedDefaults(in: scoped)
                let admin = try await repositories.staff.create(
                    email: adminEmail, name: "", role: .admin, status: .invited, passwordHash: nil, in: scoped)
                try await AccountTokens.insert(
                    token: setupToken, kind: .inviteStaff, email: adminEmail, staffID: admin.id,
                    lifetime: AccountTokens.Kind.inviteStaff.lifetime, in: scoped
                )
                try await repositories.audit.record(
                    NewAuditEvent(
                        actorKind: "operator", actorLabel: "onboarding", action: "tenant.created", targetKind: "tenant", targetId: tenant.slug
                    ), in: scoped)
                return (tenant, customDomain, admin.id)
            })
        let platformHost = "\(request.slug).\(configuration.baseDomain)"
        let origin = PublicOrigin(configuration: configuration).origin(host: platformHost)
        return OnboardedTenant(
            tenant: result.0, platformHost: platformHost, customDomain: result.1, adminStaffID: result.2,
            adminSetupLink: origin + ConsoleRoutes.invite(setupToken), adminSetupToken: setupToken
        )
    }
}

/// Emails as Portico stores them: trimmed, lower-case, checked for a plausible shape.
public enum EmailAddress {
    public static func normalize(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.count >= 3, email.count <= 254 else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return nil }
        guard email.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value != 127 && !"<>()[],;:\\\"".unicodeScalars.contains($0) }) else {
            return nil
        }
        guard let domain = HostName.normalize(String(parts[1])), domain.contains(".") || domain == "localhost" else { return nil }
        return "\(parts[0])@\(domain)"
    }
}

/// Links point at the tenant's primary host, with the public scheme and (in development) port.
struct PublicOrigin {
    let configuration: AppConfiguration

    func origin(host: String) -> String {
        if let port = configuration.publicPort { return "\(configuration.publicScheme.rawValue)://\(host):\(port)" }
        return "\(configuration.publicScheme.rawValue)://\(host)"
    }
}

/// The DNS TXT challenge for custom domains.
public enum DomainVerification {
    /// The record name a tenant creates: `_portico-challenge.<domain>`.
    public static func recordName(for domain: String) -> String { "_portico-challenge.\(domain)" }

    public static func newToken() -> String { "portico-verify=" + SecureRandom.token(bytes: 18) }
}
