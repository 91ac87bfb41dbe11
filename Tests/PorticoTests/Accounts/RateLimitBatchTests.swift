import Foundation
import Portico
import PorticoCrypto
import PorticoTestSupport
import Postgres
import Testing

/// A failed sign-in counts in four buckets with one statement (`RateLimiter.hit(all:)`); these
/// tests hold that statement to the arithmetic of one-at-a-time `hit`, which the limit tests
/// pin down in detail.
@Suite("Rate-limit bookkeeping in one statement")
struct RateLimitBatchTests {
    struct State: Equatable {
        let hits: Int
        let strikes: Int
        /// Seconds of block left, rounded (nil when not blocked).
        let blockedFor: Int?
    }

    static func state(_ pool: ConnectionPool, _ bucket: String) async throws -> State? {
        guard
            let row = try await pool.query(
                """
                SELECT hits, strikes,
                       CASE WHEN blocked_until > now() THEN round(extract(epoch FROM blocked_until - now()))::int END AS blocked_for
                  FROM rate_limits WHERE bucket = \(bucket)
                """
            ).rows.first
        else { return nil }
        return State(hits: try row.decode("hits"), strikes: try row.decode("strikes"), blockedFor: try row.decode("blocked_for", as: Int?.self))
    }

    /// The database's clock, in seconds.
    static func clock(_ pool: ConnectionPool) async throws -> Double {
        try #require(try await pool.query("SELECT extract(epoch FROM clock_timestamp())::float8 AS now").rows.first).decode("now")
    }

    /// Whether the bucket's block was set to `seconds` by a statement that ran between the
    /// clock readings `before` and `after`: `blocked_until` is that statement's time plus the
    /// block, so the block lies in [until − after, until − before]. Unlike "seconds left now",
    /// this holds however long a loaded machine kept the test waiting for a connection.
    static func blocked(_ pool: ConnectionPool, _ bucket: String, for seconds: Double, between before: Double, and after: Double) async throws -> Bool
    {
        guard
            let until: Double = try await pool.query(
                """
                SELECT extract(epoch FROM blocked_until)::float8 AS until FROM rate_limits WHERE bucket = \(bucket) AND blocked_until IS NOT NULL
                """
            ).rows.first?.decode("until")
        else { return false }
        return (until - after - 1)...(until - before + 1) ~= seconds
    }

    @Test("counting buckets together leaves each exactly as counting it alone would: hits, blocks, doubling back-off, forgiveness")
    func sameArithmeticAsSingleHits() async throws {
        let pool = try await TestCluster.database().appPool
        let limiter = RateLimiter(pool: pool)
        let strict = RateLimit(name: "test-batch-strict", limit: 3, window: .seconds(3600), baseBlock: .seconds(60), maximumBlock: .seconds(150))
        let loose = RateLimit(name: "test-batch-loose", limit: 5, window: .seconds(900), baseBlock: .seconds(300))
        let run = UUID().uuidString
        // Each limit twice: one bucket counted alone, its twin counted in the batch.
        let alone = (strict: RateLimiter.bucket(strict, run, "alone"), loose: RateLimiter.bucket(loose, run, "alone"))
        let batched = (strict: RateLimiter.bucket(strict, run, "batched"), loose: RateLimiter.bucket(loose, run, "batched"))

        func step(_ label: String) async throws {
            try await limiter.hit(strict, bucket: alone.strict)
            try await limiter.hit(loose, bucket: alone.loose)
            try await limiter.hit(all: [(strict, batched.strict), (loose, batched.loose)])
            let strictAlone = try await Self.state(pool, alone.strict), strictBatched = try await Self.state(pool, batched.strict)
            let looseAlone = try await Self.state(pool, alone.loose), looseBatched = try await Self.state(pool, batched.loose)
            // Block lengths may differ by the time that passed between the two calls.
            #expect(strictBatched?.hits == strictAlone?.hits && strictBatched?.strikes == strictAlone?.strikes, "\(label)")
            #expect(abs((strictBatched?.blockedFor ?? 0) - (strictAlone?.blockedFor ?? 0)) <= 5, "\(label)")
            #expect(looseBatched?.hits == looseAlone?.hits && looseBatched?.strikes == looseAlone?.strikes, "\(label)")
            #expect(abs((looseBatched?.blockedFor ?? 0) - (looseAlone?.blockedFor ?? 0)) <= 5, "\(label)")
        }
        func unblock() async throws {
            try await pool.query(
                """
                UPDATE rate_limits SET blocked_until = now() - interval '1 second'
                 WHERE bucket = ANY(\([alone.strict, batched.strict, alone.loose, batched.loose])::text[]) AND blocked_until IS NOT NULL
                """)
        }

        // Into the first block of the strict limit (60 s) and past it while blocked.
        var before = try await Self.clock(pool)
        for attempt in 1...5 { try await step("attempt \(attempt)") }
        var after = try await Self.clock(pool)
        #expect(try await Self.blocked(pool, batched.strict, for: 60, between: before, and: after))
        #expect(try await Self.blocked(pool, batched.loose, for: 300, between: before, and: after))
        // A repeat offence doubles the block (120 s); the next is capped (150 s, not 240).
        try await unblock()
        before = try await Self.clock(pool)
        for attempt in 6...8 { try await step("attempt \(attempt)") }
        after = try await Self.clock(pool)
        #expect(try await Self.blocked(pool, batched.strict, for: 120, between: before, and: after))
        try await unblock()
        before = try await Self.clock(pool)
        for attempt in 9...11 { try await step("attempt \(attempt)") }
        after = try await Self.clock(pool)
        #expect(try await Self.blocked(pool, batched.strict, for: 150, between: before, and: after))
        // A quiet window forgives the strikes.
        try await pool.query(
            """
            UPDATE rate_limits SET blocked_until = now() - interval '2 hours', window_started_at = now() - interval '2 hours'
             WHERE bucket = ANY(\([alone.strict, batched.strict, alone.loose, batched.loose])::text[])
            """)
        try await step("after a quiet window")
        #expect(try await Self.state(pool, batched.strict) == State(hits: 1, strikes: 0, blockedFor: nil))
    }

    @Test("the first hit of a limit of one blocks at once, and a bucket named twice counts once")
    func edgeCases() async throws {
        let pool = try await TestCluster.database().appPool
        let limiter = RateLimiter(pool: pool)
        let single = RateLimit(name: "test-batch-single", limit: 1, window: .seconds(60), baseBlock: .seconds(900))
        let pair = RateLimit(name: "test-batch-pair", limit: 5, window: .seconds(60))
        let run = UUID().uuidString
        let singleBucket = RateLimiter.bucket(single, run), pairBucket = RateLimiter.bucket(pair, run)

        let before = try await Self.clock(pool)
        try await limiter.hit(all: [(single, singleBucket), (pair, pairBucket), (pair, pairBucket)])
        let after = try await Self.clock(pool)

        #expect(try await Self.state(pool, singleBucket).map { $0.strikes == 1 && $0.hits == 0 } == true)
        #expect(try await Self.blocked(pool, singleBucket, for: 900, between: before, and: after))
        #expect(try await !limiter.check(single, bucket: singleBucket).allowed)
        #expect(try await Self.state(pool, pairBucket) == State(hits: 1, strikes: 0, blockedFor: nil))
        try await limiter.hit(all: [])  // nothing to count, no statement
    }

    @Test("concurrent failed sign-ins sharing buckets all count, without deadlocks")
    func concurrentBatches() async throws {
        let pool = try await TestCluster.database().appPool
        let limiter = RateLimiter(pool: pool)
        let limit = RateLimit(name: "test-batch-concurrent", limit: 1000, window: .seconds(3600))
        let run = UUID().uuidString
        let shared = [RateLimiter.bucket(limit, run, "tenant"), RateLimiter.bucket(limit, run, "address")]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                // Opposite orders on purpose: the statement sorts them.
                let buckets = index.isMultiple(of: 2) ? shared : Array(shared.reversed())
                let hits = buckets.map { (limit: limit, bucket: $0) } + [(limit: limit, bucket: RateLimiter.bucket(limit, run, "account \(index)"))]
                group.addTask { try await limiter.hit(all: hits) }
            }
            try await group.waitForAll()
        }
        for bucket in shared { #expect(try await Self.state(pool, bucket)?.hits == 20) }
    }
}

@Suite("Argon2id executor")
struct PasswordHasherExecutorTests {
    @Test("hashing threads stay below the core count, so sign-ins leave a core to pages (one at least)")
    func sizedBelowTheCores() async {
        #expect(PasswordHasher.defaultConcurrency(cores: 1) == 1)
        #expect(PasswordHasher.defaultConcurrency(cores: 2) == 1)
        #expect(PasswordHasher.defaultConcurrency(cores: 8) == 7)
        let hasher = PasswordHasher(parameters: Argon2Parameters(memoryKiB: 64, iterations: 1), concurrency: 0)
        #expect(hasher.concurrency == 1)
        await hasher.shutdown()
    }
}
