import Postgres

/// What a piece of test code asked of the database: statements (transaction control
/// included), transactions and round trips, counted for this task only (`QueryTally`), so the
/// numbers hold while other tests run on the same database.
///
/// ```swift
/// let (page, counts) = try await QueryCount.of { try await browser.get("/portal") }
/// #expect(counts.transactions == 1)
/// ```
/// Requests sent through `TestApp` run in the calling task, so everything they do is counted,
/// the response body included.
public enum QueryCount {
    public static func of<T>(_ body: () async throws -> T) async throws -> (T, QueryTally.Counts) {
        let tally = QueryTally()
        let value = try await QueryTally.$current.withValue(tally) { try await body() }
        return (value, tally.counts)
    }
}
