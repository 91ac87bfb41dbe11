import Synchronization

/// Counts what one unit of work (an HTTP request, a worker pass) asks of the database:
/// statements, transactions and round trips.
///
/// Set it for a task with `QueryTally.$current.withValue(tally) { … }`; every pool call made
/// by that task and its child tasks adds to it. A task-local rather than a pool-wide counter,
/// so concurrent requests on one pool are counted apart (tests assert per-request bounds
/// while others run in parallel).
public final class QueryTally: Sendable {
    @TaskLocal public static var current: QueryTally?

    public struct Counts: Sendable, Equatable, CustomStringConvertible {
        /// Statements the server ran, transaction control (`BEGIN`, `set_config`, `COMMIT`) included.
        public var statements = 0
        /// Transactions begun (`BEGIN`).
        public var transactions = 0
        /// Times the client waited for the server: a pipeline of several statements is one.
        public var roundTrips = 0

        public init(statements: Int = 0, transactions: Int = 0, roundTrips: Int = 0) {
            self.statements = statements
            self.transactions = transactions
            self.roundTrips = roundTrips
        }

        public var description: String { "\(statements) statements, \(transactions) transactions, \(roundTrips) round trips" }
    }

    private let state = Mutex(Counts())

    public init() {}

    public var counts: Counts { state.withLock { $0 } }

    func add(statements: Int, roundTrips: Int, transactions: Int = 0) {
        state.withLock {
            $0.statements += statements
            $0.roundTrips += roundTrips
            $0.transactions += transactions
        }
    }
}
