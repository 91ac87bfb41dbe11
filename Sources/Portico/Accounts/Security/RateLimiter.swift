import Foundation
import PorticoCrypto
import Postgres

/// A limit: at most `limit` hits per `window`; past it, the bucket is blocked with
/// exponential back-off (base, doubling with each repeated offence, capped) — never a
/// permanent lockout.
public struct RateLimit: Sendable {
    public let name: String
    public let limit: Int
    public let window: Duration
    public let baseBlock: Duration
    public let maximumBlock: Duration

    public init(name: String, limit: Int, window: Duration, baseBlock: Duration = .seconds(60), maximumBlock: Duration = .seconds(3600)) {
        self.name = name
        self.limit = limit
        self.window = window
        self.baseBlock = baseBlock
        self.maximumBlock = maximumBlock
    }

    // Sign-in limits: see `SignInLimits`.
    // Registration and password-reset requests.
    public static let registerIP = RateLimit(name: "register-ip", limit: 20, window: .seconds(3600), baseBlock: .seconds(600))
    public static let forgotIP = RateLimit(name: "forgot-ip", limit: 20, window: .seconds(3600), baseBlock: .seconds(600))
    public static let forgotAccount = RateLimit(name: "forgot-account", limit: 5, window: .seconds(3600), baseBlock: .seconds(900))
    // Access codes are short: few guesses.
    public static let accessCodeIP = RateLimit(name: "access-code-ip", limit: 10, window: .seconds(3600), baseBlock: .seconds(900))
    public static let accessCodeAccount = RateLimit(name: "access-code-account", limit: 5, window: .seconds(3600), baseBlock: .seconds(1800))
    // Signed-in subscribers asking to use an address: email changes and household invitations.
    public static let emailChange = RateLimit(name: "email-change", limit: 10, window: .seconds(3600), baseBlock: .seconds(900))
    public static let householdInvitations = RateLimit(name: "household-invite", limit: 10, window: .seconds(3600), baseBlock: .seconds(900))
    // Second-factor codes (wrong ones only).
    public static let totp = RateLimit(name: "totp", limit: 5, window: .seconds(900), baseBlock: .seconds(300))
}

public struct RateLimitDecision: Sendable {
    public let allowed: Bool
    /// Seconds until the bucket accepts hits again (when not allowed).
    public let retryAfter: Int
}

/// Counters in PostgreSQL, so every instance shares them.
public struct RateLimiter: Sendable {
    let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    /// Bucket name for a limit and a key (the key is hashed: emails and IPs are not stored).
    public static func bucket(_ limit: RateLimit, _ parts: String...) -> String {
        bucket(limit, parts: parts)
    }

    public static func bucket(_ limit: RateLimit, parts: [String]) -> String {
        "\(limit.name):" + Digest.sha256Hex(parts.joined(separator: "|")).prefix(40)
    }

    /// Is the bucket currently blocked? Does not count a hit.
    public func check(_ limit: RateLimit, bucket: String) async throws -> RateLimitDecision {
        let seconds = try await pool.query(
            """
            SELECT GREATEST(0, ceil(extract(epoch FROM blocked_until - now())))::int AS wait
              FROM rate_limits WHERE bucket = \(bucket) AND blocked_until > now()
            """
        ).rows.first?.decode("wait", as: Int.self)
        if let seconds, seconds > 0 { return RateLimitDecision(allowed: false, retryAfter: seconds) }
        return RateLimitDecision(allowed: true, retryAfter: 0)
    }

    /// Is any of these buckets blocked? The longest wait wins. Counts nothing.
    public func check(buckets: [String]) async throws -> RateLimitDecision {
        let seconds = try await pool.query(
            """
            SELECT max(GREATEST(0, ceil(extract(epoch FROM blocked_until - now()))))::int AS wait
              FROM rate_limits WHERE bucket = ANY(\(buckets)::text[]) AND blocked_until > now()
            """
        ).rows.first?.decode("wait", as: Int?.self)
        if let seconds, seconds > 0 { return RateLimitDecision(allowed: false, retryAfter: seconds) }
        return RateLimitDecision(allowed: true, retryAfter: 0)
    }

    /// Counts a hit; returns whether it was within the limit. Exceeding the limit blocks the
    /// bucket for `baseBlock × 2^strikes` (capped); a window that passes quietly forgives.
    @discardableResult
    public func hit(_ limit: RateLimit, bucket: String) async throws -> RateLimitDecision {
        let window = Int(limit.window.components.seconds)
        let base = Int(limit.baseBlock.components.seconds)
        let cap = Int(limit.maximumBlock.components.seconds)
        let row = try await pool.query(
            """
            INSERT INTO rate_limits AS r (bucket, window_started_at, hits) VALUES (\(bucket), now(), 1)
            ON CONFLICT (bucket) DO UPDATE SET
                strikes = CASE WHEN r.window_started_at < now() - make_interval(secs => \(window)) AND (r.blocked_until IS NULL OR r.blocked_until < now())
                               THEN 0 ELSE r.strikes END,
                hits = CASE WHEN r.blocked_until > now() THEN r.hits
                            WHEN r.window_started_at < now() - make_interval(secs => \(window)) THEN 1 ELSE r.hits + 1 END,
                window_started_at = CASE WHEN r.window_started_at < now() - make_interval(secs => \(window)) THEN now() ELSE r.window_started_at END
            RETURNING hits, strikes, blocked_until
            """
        ).rows.first!
        let hits: Int = try row.decode("hits")
        let strikes: Int = try row.decode("strikes")
        if let blockedUntil = try row.decode("blocked_until", as: Date?.self), blockedUntil > Date() {
            return RateLimitDecision(allowed: false, retryAfter: max(1, Int(blockedUntil.timeIntervalSinceNow.rounded(.up))))
        }
        // The limit-th hit is still allowed; it closes the bucket for the ones after it.
        guard hits >= limit.limit else { return RateLimitDecision(allowed: true, retryAfter: 0) }
        let block = min(cap, base << min(strikes, 16))
        try await pool.query(
            """
            UPDATE rate_limits SET blocked_until = now() + make_interval(secs => \(block)), strikes = strikes + 1,
                   hits = 0, window_started_at = now()
             WHERE bucket = \(bucket)
            """)
        return RateLimitDecision(allowed: hits == limit.limit, retryAfter: block)
    }

    /// Counts one hit in each bucket, in one statement: the same arithmetic as `hit` (window,
    /// back-off, strikes) for every bucket at once, without a decision — the next `check` of
    /// these buckets makes it. A failed sign-in touches four buckets; four round trips (and a
    /// fifth for each that trips) per attempt made bookkeeping a sizeable share of its cost.
    public func hit(all hits: [(limit: RateLimit, bucket: String)]) async throws {
        // One row per bucket (ON CONFLICT may not touch a row twice), in a fixed order so
        // concurrent attempts sharing buckets lock them in the same order.
        var seen = Set<String>()
        let rows = hits.filter { seen.insert($0.bucket).inserted }.sorted { $0.bucket < $1.bucket }
        guard !rows.isEmpty else { return }
        let buckets = rows.map { $0.bucket }
        let limits = rows.map { $0.limit.limit }
        let windows = rows.map { Int($0.limit.window.components.seconds) }
        let bases = rows.map { Int($0.limit.baseBlock.components.seconds) }
        let caps = rows.map { Int($0.limit.maximumBlock.components.seconds) }
        // In ON CONFLICT's SET only the target row and EXCLUDED are in scope, so each bucket's
        // own limit comes from the `counted` rows through a correlated sub-select.
        try await pool.query(
            """
            WITH counted AS (
                SELECT * FROM unnest(\(buckets)::text[], \(limits)::int[], \(windows)::int[], \(bases)::int[], \(caps)::int[])
                    AS c(bucket, lim, win, base, cap)
            )
            INSERT INTO rate_limits AS r (bucket, window_started_at, hits, strikes, blocked_until)
            SELECT c.bucket, now(),
                   CASE WHEN c.lim <= 1 THEN 0 ELSE 1 END,
                   CASE WHEN c.lim <= 1 THEN 1 ELSE 0 END,
                   CASE WHEN c.lim <= 1 THEN now() + make_interval(secs => least(c.cap, c.base)) END
              FROM counted c ORDER BY c.bucket
            ON CONFLICT (bucket) DO UPDATE SET (hits, strikes, blocked_until, window_started_at) = (
                SELECT CASE WHEN s.trip THEN 0 ELSE s.hits END,
                       CASE WHEN s.trip THEN s.strikes + 1 ELSE s.strikes END,
                       CASE WHEN s.trip THEN now() + make_interval(secs => least(c.cap, c.base << least(s.strikes, 16)))
                            ELSE r.blocked_until END,
                       CASE WHEN s.trip THEN now() ELSE s.window_started_at END
                  FROM counted c
                 CROSS JOIN LATERAL (SELECT r.window_started_at < now() - make_interval(secs => c.win) AS expired,
                                            coalesce(r.blocked_until > now(), false) AS blocked) w
                 CROSS JOIN LATERAL (SELECT CASE WHEN w.blocked THEN r.hits WHEN w.expired THEN 1 ELSE r.hits + 1 END AS hits,
                                            CASE WHEN w.expired AND NOT w.blocked THEN 0 ELSE r.strikes END AS strikes,
                                            CASE WHEN w.expired THEN now() ELSE r.window_started_at END AS window_started_at) n
                 CROSS JOIN LATERAL (SELECT n.*, NOT w.blocked AND n.hits >= c.lim AS trip) s
                 WHERE c.bucket = r.bucket)
            """)
    }

    /// Clears a bucket (a successful sign-in forgives the account's failures).
    public func reset(bucket: String) async throws {
        try await pool.query("DELETE FROM rate_limits WHERE bucket = \(bucket) AND (blocked_until IS NULL OR blocked_until < now())")
    }

    /// Drops counters that have been quiet for a day.
    public func deleteStale() async throws -> Int {
        try await pool.query(
            """
            DELETE FROM rate_limits WHERE window_started_at < now() - interval '1 day' AND (blocked_until IS NULL OR blocked_until < now())
            """
        ).affectedRows
    }

    public static func tooMany(retryAfter: Int) -> AppError {
        let minutes = max(1, (retryAfter + 59) / 60)
        return AppError(.tooManyRequests, code: "rate_limited", L10n.texts.plural("errors.rateLimited", count: minutes), retryAfter: retryAfter)
    }
}
