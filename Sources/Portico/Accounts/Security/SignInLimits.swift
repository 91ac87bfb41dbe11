import Foundation
import Postgres

/// The sign-in limits of subscribers, staff and operators, shaped for wireless ISPs: whole
/// villages share one public address behind carrier-grade NAT, so an address is judged by its
/// *failed* sign-ins only (and a tenant with more accounts allows more of them), while each
/// account keeps its own strict limit.
///
/// | bucket | counts | limit | stops |
/// |---|---|---|---|
/// | account (tenant + identifier) | failures | 10 per 15 min | password guessing against one account |
/// | address within a tenant | failures | 50 + 1 per 20 accounts, at most 1,000 per hour | credential stuffing from one address |
/// | address across tenants | failures | 1,000 per hour | the same, hopping from tenant to tenant |
/// | tenant | failures | 5,000 + 1 per 10 accounts per hour | a stuffing botnet spread over many addresses |
///
/// Successes are never counted and never forgive an address or a tenant (an attacker holding
/// one good password must not be able to reset the address counter between guesses); a
/// success forgives only its own account's failures. Every bucket is checked before the
/// password is, and a blocked one answers the same 429 whether or not the account exists.
public struct SignInLimits: Sendable {
    let limiter: RateLimiter

    public init(limiter: RateLimiter) { self.limiter = limiter }

    /// Where a sign-in happens: a tenant (subscribers and staff) or the operator console.
    public enum Scope: Sendable {
        case tenant(TenantID)
        case operatorConsole

        var key: String {
            switch self {
            case .tenant(let id): id.description
            case .operatorConsole: "operator"
            }
        }
    }

    /// The buckets one attempt touches.
    public struct Buckets: Sendable {
        public let account: String
        public let address: String
        public let anyTenantAddress: String
        public let tenant: String?
    }

    /// `identifier` is what the person typed (normalised); `kind` keeps subscriber and staff
    /// accounts with the same email apart.
    public func buckets(scope: Scope, kind: String, identifier: String, ip: String) -> Buckets {
        var accountParts = [scope.key]
        if !kind.isEmpty { accountParts.append(kind) }
        accountParts.append(identifier)
        let account = RateLimiter.bucket(.signInAccount, parts: accountParts)
        let tenant: String? = if case .tenant(let id) = scope { RateLimiter.bucket(.signInTenant, id.description) } else { nil }
        return Buckets(
            account: account, address: RateLimiter.bucket(.signInIP, scope.key, ip),
            anyTenantAddress: RateLimiter.bucket(.signInAnyTenantIP, ip), tenant: tenant)
    }

    /// Refuses (429) when any of the attempt's buckets is blocked. Counts nothing.
    public func admit(_ buckets: Buckets) async throws {
        let decision = try await limiter.check(
            buckets: [buckets.account, buckets.address, buckets.anyTenantAddress] + [buckets.tenant].compactMap { $0 })
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
    }

    /// Counts a failed attempt in every bucket, with the address and tenant limits scaled to
    /// the tenant's number of accounts (counted only here, on the failure path). One statement.
    public func recordFailure(_ buckets: Buckets, accounts: Int) async throws {
        var hits: [(limit: RateLimit, bucket: String)] = [
            (.signInAccount, buckets.account), (.signInIP(accounts: accounts), buckets.address), (.signInAnyTenantIP, buckets.anyTenantAddress),
        ]
        if let tenant = buckets.tenant { hits.append((.signInTenant(accounts: accounts), tenant)) }
        try await limiter.hit(all: hits)
    }

    /// A right password forgives its account's failures, nothing else.
    public func recordSuccess(_ buckets: Buckets) async throws {
        try await limiter.reset(bucket: buckets.account)
    }

    /// Sign-in accounts of the tenant in this transaction: subscribers who may sign in and
    /// active staff.
    public static func accountCount(in tx: TenantTransaction) async throws -> Int {
        try await tx.scalar(
            """
            SELECT (SELECT count(*) FROM customers WHERE status IN ('active', 'pending'))
                 + (SELECT count(*) FROM staff_users WHERE status = 'active')
            """, as: Int.self) ?? 0
    }
}

extension RateLimit {
    /// 10 failed sign-ins per account per 15 minutes; then 5 minutes' wait, doubling up to an hour.
    public static let signInAccount = RateLimit(name: "signin-account", limit: 10, window: .seconds(900), baseBlock: .seconds(300))

    /// Failed sign-ins from one address to one tenant per hour: 50, plus one per 20 accounts
    /// the tenant has (a village behind one NAT address grows with the ISP), at most 1,000.
    public static func signInIP(accounts: Int) -> RateLimit {
        RateLimit(name: "signin-ip", limit: min(1000, 50 + max(0, accounts) / 20), window: .seconds(3600), baseBlock: .seconds(600))
    }

    /// The base (smallest tenant's) per-address limit.
    public static let signInIP = signInIP(accounts: 0)

    /// Failed sign-ins from one address across every tenant and the operator console per hour.
    public static let signInAnyTenantIP = RateLimit(name: "signin-ip-all", limit: 1000, window: .seconds(3600), baseBlock: .seconds(600))

    /// Failed sign-ins to one tenant per hour from anywhere: 5,000 plus one per 10 accounts.
    /// Blocks are short (1 minute doubling to 10): this ceiling stops everyone in the tenant.
    public static func signInTenant(accounts: Int) -> RateLimit {
        RateLimit(
            name: "signin-tenant", limit: 5000 + max(0, accounts) / 10, window: .seconds(3600), baseBlock: .seconds(60), maximumBlock: .seconds(600))
    }

    public static let signInTenant = signInTenant(accounts: 0)
}
