import CoreMetrics
import Foundation
import Logging
import NIOPosix

/// A bounded pool of libpq connections.
///
/// libpq blocks, so every call runs on a dedicated `NIOThreadPool` with one thread per
/// connection: the cooperative executor and the event loops never wait on the database.
/// Broken connections are dropped and replaced on demand, so the pool recovers by itself
/// after the server restarts.
public final class ConnectionPool: Sendable {
    public let configuration: PoolConfiguration
    let threadPool: NIOThreadPool
    private let state: PoolState
    let logger: Logger
    /// Time from asking for a connection to holding one (waiting, or opening a new one).
    private let acquireTimer: CoreMetrics.Timer

    public init(configuration: PoolConfiguration, logger: Logger = Logger(label: "portico.postgres")) {
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        self.threadPool.start()
        self.state = PoolState(maxConnections: configuration.maxConnections)
        self.acquireTimer = CoreMetrics.Timer(
            label: "portico_db_pool_acquire_duration_seconds", dimensions: [("pool", configuration.applicationName)],
            preferredDisplayUnit: .seconds
        )
    }

    /// Closes idle connections and stops the thread pool. In-flight work finishes first
    /// only if the caller awaited it; call this at shutdown.
    public func close() async {
        _ = await state.close()
        try? await threadPool.shutdownGracefully()
    }

    /// Counts for readiness and metrics.
    public func statistics() async -> PoolStatistics { await state.statistics() }

    // MARK: Running work on a connection

    /// Runs blocking work with a connection on the pool's threads, adding what it sent to the
    /// task's `QueryTally`, if any.
    func blocking<T: Sendable>(_ connection: Connection, _ work: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let tally = QueryTally.current
        let statements = connection.statementsSinceCheckout
        let roundTrips = connection.roundTripsSinceCheckout
        defer {
            tally?.add(
                statements: connection.statementsSinceCheckout - statements,
                roundTrips: connection.roundTripsSinceCheckout - roundTrips)
        }
        do {
            return try await threadPool.runIfActive { try work(connection) }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(kind: .shutDown, message: "The database thread pool is shut down")
        }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<R: Sendable>(_ body: (PooledConnection) async throws -> R) async throws -> R {
        let connection = try await checkout()
        do {
            let result = try await body(PooledConnection(connection: connection, pool: self))
            await checkin(connection)
            return result
        } catch {
            await checkin(connection)
            throw error
        }
    }

    /// Runs one statement outside an explicit transaction.
    @discardableResult
    public func query(_ sql: SQL) async throws -> QueryResult {
        try await withConnection { try await $0.query(sql) }
    }

    /// One trivial round trip: the database answers through this pool (readiness checks).
    public func ping() async throws {
        try await query("SELECT 1")
    }

    /// `BEGIN` … `COMMIT`, or `ROLLBACK` if `body` throws.
    ///
    /// If the connection turns out to be dead at `BEGIN` (the server restarted while it sat
    /// idle) it is replaced and `BEGIN` is tried once more: nothing has run yet, so that is safe.
    public func withTransaction<R: Sendable>(_ body: (Transaction) async throws -> R) async throws -> R {
        try await transaction(setup: [], body)
    }

    /// A transaction that first runs `set_config('app.tenant_id', tenantID, true)`, so that
    /// row-level security sees only that tenant's rows. The setting ends with the transaction.
    ///
    /// If the task has a `ParkedTransaction` for this tenant on this pool (a request whose
    /// session lookup began it), `body` runs in that one instead, and it commits here.
    public func withTenant<R: Sendable>(_ tenantID: UUID, _ body: (Transaction) async throws -> R) async throws -> R {
        if let open = ParkedTransaction.current?.take(pool: self, tenantID: tenantID) {
            return try await run(open, body)
        }
        return try await transaction(setup: [Self.tenantSetting(tenantID)], body)
    }

    /// `withTenant` in a read-only `REPEATABLE READ` transaction: every query of `body` sees
    /// the same snapshot (an export whose tables agree with each other).
    public func withTenantSnapshot<R: Sendable>(_ tenantID: UUID, _ body: (Transaction) async throws -> R) async throws -> R {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", setup: [Self.tenantSetting(tenantID)], body)
    }

    /// The statement that scopes a transaction to one tenant for row-level security.
    public static func tenantSetting(_ tenantID: UUID) -> SQL {
        "SELECT set_config('app.tenant_id', \(tenantID), true)"
    }

    private func transaction<R: Sendable>(begin: String = "BEGIN", setup: [SQL], _ body: (Transaction) async throws -> R) async throws -> R {
        let (open, _) = try await self.begin(begin, setup: setup, then: [])
        return try await run(open, body)
    }

    /// Runs `body` in an open transaction and ends it: commit, or rollback if `body` throws.
    private func run<R: Sendable>(_ open: OpenTransaction, _ body: (Transaction) async throws -> R) async throws -> R {
        do {
            let result = try await body(open.transaction)
            try await open.commit()
            return result
        } catch {
            await open.rollback()
            throw error
        }
    }

    /// Begins a transaction whose end the caller decides (`commit()` or `rollback()` on the
    /// result), sending `BEGIN`, `setup` and `first` in one round trip; returns the results
    /// of `first`. For work that does not fit one closure: a request's transaction opened by
    /// its session lookup and finished by the page's reads.
    public func begin(_ statement: String = "BEGIN", setup: [SQL], then first: [SQL]) async throws -> (OpenTransaction, [QueryResult]) {
        let (connection, results) = try await send([SQL(parts: [.text(statement)])] + setup + first)
        return (OpenTransaction(connection: connection, pool: self), Array(results.dropFirst(1 + setup.count)))
    }

    /// Reads in a transaction of their own scoped to `tenantID`, in one round trip:
    /// `BEGIN READ ONLY`, the tenant setting, `statements`, `COMMIT`. The results of
    /// `statements`, in order.
    ///
    /// With a parked transaction for this tenant (a page after its session lookup), the
    /// statements run in that one instead and `COMMIT` follows them in the same round trip,
    /// so a page's reads and the end of its request's transaction cost one wait together.
    public func read(tenant tenantID: UUID, _ statements: [SQL]) async throws -> [QueryResult] {
        if let open = ParkedTransaction.current?.take(pool: self, tenantID: tenantID) {
            return try await open.commit(after: statements)
        }
        // READ ONLY: a statement that writes fails here rather than committing, which is also
        // what makes sending the whole pipeline again after a dead connection safe.
        let (connection, results) = try await send(
            ["BEGIN READ ONLY", Self.tenantSetting(tenantID)] + statements + ["COMMIT"])
        await checkin(connection)
        return Array(results.dropFirst(2).dropLast())
    }

    /// `read(tenant:_:)` with typed queries: their values, in order.
    public func read<each Value>(tenant tenantID: UUID, _ queries: repeat Query<each Value>) async throws -> (repeat each Value) {
        let results = try await read(tenant: tenantID, QueryBatch.statements(repeat each queries))
        return try QueryBatch.decode(results, repeat each queries)
    }

    /// Sends `pipeline`, which begins a transaction, on a checked-out connection and returns
    /// the connection (still checked out) with the results. A connection found dead is
    /// replaced and the pipeline sent once more: it opened with `BEGIN`, so nothing of it
    /// can have committed unless it also ended with `COMMIT` after reads only. The one place a
    /// pipelined transaction is counted for the task's `QueryTally`.
    private func send(_ pipeline: [SQL]) async throws -> (Connection, [QueryResult]) {
        let sent = try await sendRetryingDeadConnection(pipeline)
        QueryTally.current?.add(statements: 0, roundTrips: 0, transactions: 1)
        return sent
    }

    private func sendRetryingDeadConnection(_ pipeline: [SQL]) async throws -> (Connection, [QueryResult]) {
        var connection = try await checkout()
        do {
            return (connection, try await blocking(connection) { try $0.pipeline(pipeline) })
        } catch let error as PostgresError where error.isConnectionFailure {
            await discard(connection, evictIdle: true)
            connection = try await checkout()
            do {
                return (connection, try await blocking(connection) { try $0.pipeline(pipeline) })
            } catch {
                await checkin(connection)
                throw error
            }
        } catch {
            await checkin(connection)
            throw error
        }
    }

    // MARK: Checkout and checkin

    func checkout() async throws -> Connection {
        await ParkedTransaction.current?.release(before: self)
        let start = ContinuousClock.now
        let connection = try await reserveOrOpen()
        let elapsed = ContinuousClock.now - start
        acquireTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return connection
    }

    private func reserveOrOpen() async throws -> Connection {
        switch try await state.reserve(timeout: configuration.acquireTimeout) {
        case .connection(let connection):
            connection.statementsSinceCheckout = 0
            connection.roundTripsSinceCheckout = 0
            return connection
        case .create:
            do {
                let conninfo = configuration.conninfo
                let name = configuration.applicationName
                let cache = configuration.cacheStatements
                let connection = try await threadPool.runIfActive {
                    try Connection.connect(to: conninfo, applicationName: name, cacheStatements: cache)
                }
                return connection
            } catch {
                await state.slotFreed()
                if let error = error as? PostgresError { throw error }
                throw PostgresError(kind: .shutDown, message: "The database thread pool is shut down")
            }
        }
    }

    /// Returns a connection, cleaning it first: an open transaction is rolled back, changed
    /// session state is reset with `DISCARD ALL`, and a broken connection is dropped.
    func checkin(_ connection: Connection) async {
        var usable = !connection.isBroken
        if usable && (connection.isInTransaction || connection.needsReset) {
            do {
                try await blocking(connection) { connection in
                    if connection.isInTransaction { try connection.run(script: "ROLLBACK") }
                    if connection.needsReset {
                        try connection.run(script: "DISCARD ALL")
                        connection.forgetPreparedStatements()
                        connection.needsReset = false
                    }
                }
            } catch {
                usable = false
            }
        }
        if usable && !connection.isBroken {
            await state.release(connection)
        } else {
            await discard(connection, evictIdle: true)
        }
    }

    /// Drops a connection. After a connection failure the idle ones are suspect too
    /// (a restarted server killed them all), so they go as well and are reopened on demand.
    func discard(_ connection: Connection, evictIdle: Bool) async {
        let evicted = await state.drop(evictIdle: evictIdle)
        if !evicted.isEmpty {
            logger.info("Dropped idle database connections after a connection failure", metadata: ["count": "\(evicted.count + 1)"])
        }
        // The connections are freed when the last reference goes; PQfinish only queues a
        // Terminate message on the socket and does not wait for the server.
        _ = connection
    }
}
