import Foundation
import Postgres

/// A tenant's custom domains: added unverified, activated by a DNS TXT record, one of them
/// optionally primary (the host of every emailed link), removed at will.
///
/// Every change commits with its audit event, and the `tenant_domains` trigger's `NOTIFY`
/// empties the resolution cache of every instance, so an activated or removed domain takes
/// effect everywhere at once. `tenant_domains` is readable by everyone (the `domain_lookup`
/// policy), so every query here names the tenant explicitly.
struct CustomDomains {
    let configuration: AppConfiguration
    let directory: TenantDirectory
    let dnsResolver: any DNSResolver
    let pool: ConnectionPool
    let rateLimiter: RateLimiter
    let repositories: Repositories

    /// More than any WISP needs; keeps a runaway script from filling the table.
    static let maximumPerTenant = 20

    /// What looking up the TXT record found.
    enum VerificationOutcome: Sendable {
        case verified(TenantDomain)
        case alreadyActive(TenantDomain)
        /// Another tenant verified this domain first.
        case activeElsewhere(TenantDomain)
        case recordNotFound(TenantDomain)
        case differentValue(TenantDomain, found: [String])
        case lookupFailed(TenantDomain, DNSLookupError)
    }

    /// The tenant's custom domains (primary first, then by name).
    func list(tenant: TenantID) async throws -> [TenantDomain] {
        try await pool.withTenant(tenant) { tx in
            try await tx.rows(
                """
                SELECT * FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND kind = 'custom'
                 ORDER BY is_primary DESC, domain
                """
            ).map { try $0.decode(TenantDomain.self) }
        }
    }

    /// The tenant's own domain named in a URL, or the same 404 whether it is missing or
    /// another tenant's.
    func find(_ text: String, tenant: TenantID) async throws -> TenantDomain {
        guard let domain = HostName.normalize(text) else { throw AppError.notFound("domain") }
        let found = try await pool.withTenant(tenant) { tx in
            try await tx.first(
                """
                SELECT * FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND domain = \(domain) AND kind = 'custom'
                """
            ).map { try $0.decode(TenantDomain.self) }
        }
        guard let found else { throw AppError.notFound("domain") }
        return found
    }

    /// Adds `text` (normalised: punycode for internationalised names) as a pending domain
    /// with a fresh verification token.
    func add(
        _ text: String, tenant: ResolvedTenant, by staff: SignedInStaff, origin: RequestOrigin
    ) async throws -> (domain: TenantDomain, enteredAs: String?) {
        let input: DomainInput
        switch DomainInput.parse(text, configuration: configuration) {
        case .success(let parsed): input = parsed
        case .failure(let problem):
            throw AppError.validation(["domain": problem.message], message: L10n.t("console.domains.cannotAdd", ["problem": problem.message]))
        }
        let domain = input.ascii
        let added = try await pool.withTenant(tenant.id) { tx -> TenantDomain in
            let rows = try await tx.first(
                """
                SELECT count(*) FILTER (WHERE tenant_id = \(tx.tenant) AND kind = 'custom')::int AS own,
                       count(*) FILTER (WHERE tenant_id = \(tx.tenant) AND domain = \(domain))::int AS same,
                       count(*) FILTER (WHERE tenant_id <> \(tx.tenant) AND domain = \(domain) AND verified_at IS NOT NULL)::int AS elsewhere
                  FROM tenant_domains
                 WHERE tenant_id = \(tx.tenant) OR domain = \(domain)
                """)!
            if try rows.decode("same", as: Int.self) > 0 {
                throw AppError(
                    .conflict, code: "domain_exists", L10n.t("console.domains.exists", ["domain": domain]),
                    fields: ["domain": L10n.t("console.domains.alreadyAdded")])
            }
            if try rows.decode("elsewhere", as: Int.self) > 0 {
                throw AppError(
                    .conflict, code: "domain_taken",
                    L10n.t("console.domains.activeElsewhere", ["domain": domain]),
                    fields: ["domain": L10n.t("console.domains.activeElsewhereShort")])
            }
            if try rows.decode("own", as: Int.self) >= Self.maximumPerTenant {
                throw AppError(
                    .conflict, code: "too_many_domains",
                    L10n.t("console.domains.tooMany", ["max": "\(Self.maximumPerTenant)"]),
                    fields: ["domain": L10n.t("console.domains.limitReached")])
            }
            let inserted: TenantDomain
            do {
                inserted = try await tx.first(
                    """
                    INSERT INTO tenant_domains (tenant_id, domain, kind, verification_token)
                    VALUES (\(tx.tenant), \(domain), 'custom', \(DomainVerification.newToken()))
                    RETURNING *
                    """)!.decode(TenantDomain.self)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw AppError(
                    .conflict, code: "domain_exists", L10n.t("console.domains.exists", ["domain": domain]),
                    fields: ["domain": L10n.t("console.domains.alreadyAdded")])
            }
            try await audit(
                "domain.added", domain: domain, by: staff, origin: origin,
                details: input.unicode.map { ["entered_as": $0] } ?? [:], in: tx)
            return inserted
        }
        return (added, input.unicode)
    }

    /// Looks the TXT record up (outside any transaction) and activates the domain when one
    /// of its values is the token.
    func verify(_ text: String, tenant: ResolvedTenant, by staff: SignedInStaff, origin: RequestOrigin) async throws -> VerificationOutcome {
        let domain = try await find(text, tenant: tenant.id)
        if domain.isActive { return .alreadyActive(domain) }
        if try await activeElsewhere(domain.domain, tenant: tenant.id) { return .activeElsewhere(domain) }

        let bucket = RateLimiter.bucket(.domainVerification, tenant.id.description)
        let decision = try await rateLimiter.hit(.domainVerification, bucket: bucket)
        guard decision.allowed else { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }

        let values: [String]
        do {
            values = try await dnsResolver.txtRecords(for: DomainVerification.recordName(for: domain.domain))
        } catch let error as DNSLookupError {
            return .lookupFailed(domain, error)
        } catch {
            return .lookupFailed(domain, .failed("\(type(of: error))"))
        }
        guard !values.isEmpty else { return .recordNotFound(domain) }
        guard values.contains(where: { Self.matches($0, token: domain.verificationToken) }) else {
            return .differentValue(domain, found: values)
        }

        do {
            let verified = try await pool.withTenant(tenant.id) { tx -> TenantDomain? in
                let row = try await tx.first(
                    """
                    UPDATE tenant_domains SET verified_at = now()
                     WHERE tenant_id = \(tx.tenant) AND domain = \(domain.domain) AND verified_at IS NULL
                       AND verification_token = \(domain.verificationToken)
                    RETURNING *
                    """
                ).map { try $0.decode(TenantDomain.self) }
                if row != nil { try await audit("domain.verified", domain: domain.domain, by: staff, origin: origin, in: tx) }
                return row
            }
            directory.invalidate(tenant: tenant.id)
            guard let verified else {
                // Removed, re-added or verified meanwhile: report what is there now.
                let current = try await find(domain.domain, tenant: tenant.id)
                if current.isActive { return .alreadyActive(current) }
                throw AppError(.conflict, code: "domain_changed", L10n.t("console.domains.changed", ["domain": domain.domain]))
            }
            return .verified(verified)
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            // The unique index on verified domains: another tenant won.
            return .activeElsewhere(domain)
        }
    }

    /// Makes `text` the primary domain: one of the tenant's verified custom domains, or its
    /// platform host (then no custom domain is primary). Returns the new primary host.
    @discardableResult
    func makePrimary(_ text: String, tenant: ResolvedTenant, by staff: SignedInStaff, origin: RequestOrigin) async throws -> String {
        let platformHost = directory.platformHost(slug: tenant.slug)
        guard let host = HostName.normalize(text) else { throw AppError.notFound("domain") }
        try await pool.withTenant(tenant.id) { tx in
            // One change at a time per tenant: the "one primary" index would otherwise race.
            let rows = try await tx.rows(
                """
                SELECT domain, is_primary, verified_at IS NOT NULL AS active FROM tenant_domains
                 WHERE tenant_id = \(tx.tenant) ORDER BY domain FOR UPDATE
                """)
            let current = try rows.first(where: { try $0.decode("is_primary", as: Bool.self) })
            let previous = try current?.decode("domain", as: String.self) ?? platformHost
            if host != platformHost {
                guard let row = try rows.first(where: { try $0.decode("domain", as: String.self) == host }) else {
                    throw AppError.notFound("domain")
                }
                guard try row.decode("active", as: Bool.self) else {
                    throw AppError(
                        .conflict, code: "domain_not_verified",
                        L10n.t("console.domains.notVerifiedPrimary", ["host": host]))
                }
            }
            guard previous != host else { return }
            try await tx.execute(
                """
                UPDATE tenant_domains SET is_primary = false WHERE tenant_id = \(tx.tenant) AND is_primary
                """)
            if host != platformHost {
                try await tx.execute(
                    """
                    UPDATE tenant_domains SET is_primary = true WHERE tenant_id = \(tx.tenant) AND domain = \(host)
                    """)
            }
            try await audit("domain.primary_changed", domain: host, by: staff, origin: origin, details: ["from": previous, "to": host], in: tx)
        }
        directory.invalidate(tenant: tenant.id)
        return host
    }

    /// Removes one of the tenant's custom domains; it stops resolving everywhere at once.
    @discardableResult
    func remove(_ text: String, tenant: ResolvedTenant, by staff: SignedInStaff, origin: RequestOrigin) async throws -> TenantDomain {
        guard let host = HostName.normalize(text) else { throw AppError.notFound("domain") }
        let removed = try await pool.withTenant(tenant.id) { tx -> TenantDomain? in
            let row = try await tx.first(
                """
                DELETE FROM tenant_domains WHERE tenant_id = \(tx.tenant) AND domain = \(host) AND kind = 'custom'
                RETURNING *
                """
            ).map { try $0.decode(TenantDomain.self) }
            if let row {
                try await audit(
                    "domain.removed", domain: host, by: staff, origin: origin,
                    details: ["was_active": "\(row.isActive)", "was_primary": "\(row.isPrimary)"], in: tx)
            }
            return row
        }
        guard let removed else { throw AppError.notFound("domain") }
        directory.invalidate(tenant: tenant.id)
        return removed
    }

    func activeElsewhere(_ domain: String, tenant: TenantID) async throws -> Bool {
        let count = try await pool.withTenant(tenant) { tx in
            try await tx.scalar(
                """
                SELECT count(*)::int FROM tenant_domains WHERE domain = \(domain) AND tenant_id <> \(tx.tenant) AND verified_at IS NOT NULL
                """, as: Int.self) ?? 0
        }
        return count > 0
    }

    /// A TXT value matches the token as published; DNS consoles that keep the quotes
    /// someone typed, or stray spaces, are forgiven.
    static func matches(_ value: String, token: String) -> Bool {
        var text = value.trimmingCharacters(in: .whitespaces)
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return text.trimmingCharacters(in: .whitespaces) == token
    }

    func audit(
        _ action: String, domain: String, by staff: SignedInStaff, origin: RequestOrigin, details: [String: String] = [:],
        in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            NewAuditEvent(
                actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: action, targetKind: "domain", targetId: domain,
                ip: origin.ip, userAgent: origin.userAgent, details: details
            ), in: tx)
    }
}

extension RateLimit {
    /// DNS lookups a tenant's admins may trigger: generous for people, a wall for scripts.
    static let domainVerification = RateLimit(
        name: "domain-verify", limit: 60, window: .seconds(3600), baseBlock: .seconds(300), maximumBlock: .seconds(3600))
}
