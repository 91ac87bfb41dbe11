import Synchronization

/// Something that runs SQL: a pooled connection or a transaction.
public protocol QueryRunner: Sendable {
    /// Runs one statement with bound parameters.
    func query(_ sql: SQL) async throws -> QueryResult
    /// Runs statements one after another in a single round trip (see `Connection.pipeline`).
    func pipeline(_ statements: [SQL]) async throws -> [QueryResult]
}

extension QueryRunner {
    /// All rows of a query.
    public func rows(_ sql: SQL) async throws -> [Row] {
        try await query(sql).rows
    }

    /// The first row, or nil.
    public func first(_ sql: SQL) async throws -> Row? {
        try await query(sql).rows.first
    }

    /// Runs a command and returns how many rows it touched.
    @discardableResult
    public func execute(_ sql: SQL) async throws -> Int {
        try await query(sql).affectedRows
    }

    /// The first column of the first row.
    public func scalar<T: PostgresDecodable>(_ sql: SQL, as type: T.Type = T.self) async throws -> T? {
        guard let row = try await first(sql) else { return nil }
        return try row.decode(at: 0, as: T?.self)
    }

    /// Queues a notification; PostgreSQL delivers it when the surrounding transaction commits.
    public func notify(channel: String, payload: String) async throws {
        try await execute("SELECT pg_notify(\(channel), \(payload))")
    }
}

/// A connection lent by the pool for the duration of a `withConnection` body.
public struct PooledConnection: QueryRunner {
    let connection: Connection
    let pool: ConnectionPool

    public func query(_ sql: SQL) async throws -> QueryResult {
        try await pool.blocking(connection) { try $0.query(sql) }
    }

    public func pipeline(_ statements: [SQL]) async throws -> [QueryResult] {
        try await pool.blocking(connection) { try $0.pipeline(statements) }
    }

    /// Server process id of this connection.
    public var backendPID: Int32 { connection.backendPID }

    /// The session role.
    public var user: String { connection.user }

    /// Runs a fixed script through the simple protocol (several statements allowed).
    /// Session-level changes made by it are reset when the connection goes back to the pool.
    public func run(script: String) async throws {
        connection.needsReset = true
        try await pool.blocking(connection) { try $0.run(script: script) }
    }

    /// Marks the session as changed (session `SET`, advisory lock) so the pool resets it.
    public func markSessionChanged() {
        connection.needsReset = true
    }
}

/// An open transaction; it commits when the `withTransaction`/`withTenant` body returns,
/// unless the body ended it itself with its last reads (`commit(after:)`).
public struct Transaction: QueryRunner {
    let connection: Connection
    let pool: ConnectionPool
    let state: TransactionState

    public func query(_ sql: SQL) async throws -> QueryResult {
        try state.checkOpen()
        return try await pool.blocking(connection) { try $0.query(sql) }
    }

    public func pipeline(_ statements: [SQL]) async throws -> [QueryResult] {
        try state.checkOpen()
        return try await pool.blocking(connection) { try $0.pipeline(statements) }
    }

    /// Server process id of this connection.
    public var backendPID: Int32 { connection.backendPID }

    /// Runs a fixed script inside the transaction (several statements allowed).
    public func run(script: String) async throws {
        try state.checkOpen()
        try await pool.blocking(connection) { try $0.run(script: script) }
    }

    /// The body's last statements, sent with `COMMIT` in one round trip: the transaction ends
    /// here and any later statement in it is refused. If one fails, the server skips the rest,
    /// `COMMIT` included, and the transaction rolls back.
    public func commit(after statements: [SQL]) async throws -> [QueryResult] {
        try state.markCommitted()
        let results = try await pool.blocking(connection) { try $0.pipeline(statements + ["COMMIT"]) }
        return Array(results.dropLast())
    }

    /// `commit(after:)` with typed queries: their values, in order.
    public func commit<each Value>(after queries: repeat Query<each Value>) async throws -> (repeat each Value) {
        let results = try await commit(after: QueryBatch.statements(repeat each queries))
        return try QueryBatch.decode(results, repeat each queries)
    }
}

/// Where a transaction is in its life, shared by the `Transaction` its body uses and the
/// `OpenTransaction` that ends it: `COMMIT` may have gone with the body's last statements,
/// and the connection goes back to the pool exactly once.
final class TransactionState: Sendable {
    private let state = Mutex((committed: false, returned: false))

    var committed: Bool { state.withLock { $0.committed } }

    func checkOpen() throws {
        if state.withLock({ $0.committed || $0.returned }) {
            throw PostgresError(kind: .client, message: "The transaction has already ended")
        }
    }

    func markCommitted() throws {
        try state.withLock { state in
            guard !state.committed && !state.returned else {
                throw PostgresError(kind: .client, message: "The transaction has already ended")
            }
            state.committed = true
        }
    }

    /// True the first time only: whoever gets true returns the connection.
    func markReturned() -> Bool {
        state.withLock { state in
            defer { state.returned = true }
            return !state.returned
        }
    }
}

/// A transaction begun with `ConnectionPool.begin(setup:then:)`: it holds its connection until
/// `commit()` or `rollback()`. Finishing twice is harmless; the second call does nothing.
public final class OpenTransaction: Sendable {
    public let transaction: Transaction

    init(connection: Connection, pool: ConnectionPool) {
        self.transaction = Transaction(connection: connection, pool: pool, state: TransactionState())
    }

    /// Commits (unless the body's last statements already did) and returns the connection to
    /// the pool. A failed commit rolled back.
    public func commit() async throws {
        guard transaction.state.markReturned() else { return }
        let connection = transaction.connection, pool = transaction.pool
        if transaction.state.committed {
            await pool.checkin(connection)
            return
        }
        do {
            try await pool.blocking(connection) { try $0.run(script: "COMMIT") }
        } catch {
            await pool.checkin(connection)
            throw error
        }
        await pool.checkin(connection)
    }

    /// Runs `statements` and then `COMMIT` in one round trip, returns the connection and the
    /// statements' results (see `Transaction.commit(after:)`).
    public func commit(after statements: [SQL]) async throws -> [QueryResult] {
        do {
            let results = try await transaction.commit(after: statements)
            try await commit()
            return results
        } catch {
            await rollback()
            throw error
        }
    }

    /// Rolls back and returns the connection to the pool.
    public func rollback() async {
        guard transaction.state.markReturned() else { return }
        // The pool rolls back whatever is still open when the connection comes back.
        await transaction.pool.checkin(transaction.connection)
    }

    deinit {
        // A caller that forgot to finish must not cost the pool a connection for good.
        if transaction.state.markReturned() {
            let connection = transaction.connection, pool = transaction.pool
            Task { await pool.checkin(connection) }
        }
    }
}
