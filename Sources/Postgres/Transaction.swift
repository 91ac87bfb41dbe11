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

/// An open transaction; it commits when the `withTransaction`/`withTenant` body returns.
public struct Transaction: QueryRunner {
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

    /// Runs a fixed script inside the transaction (several statements allowed).
    public func run(script: String) async throws {
        try await pool.blocking(connection) { try $0.run(script: script) }
    }
}

/// A transaction begun with `ConnectionPool.begin(setup:then:)`: it holds its connection until
/// `commit()` or `rollback()`. Finishing twice is harmless; the second call does nothing.
public final class OpenTransaction: Sendable {
    public let transaction: Transaction
    private let finished = Mutex(false)

    init(connection: Connection, pool: ConnectionPool) {
        self.transaction = Transaction(connection: connection, pool: pool)
    }

    /// True the first time only: whoever gets true returns the connection.
    private func finish() -> Bool {
        finished.withLock { done in
            defer { done = true }
            return !done
        }
    }

    /// Commits and returns the connection to the pool. A failed commit rolled back.
    public func commit() async throws {
        guard finish() else { return }
        let connection = transaction.connection, pool = transaction.pool
        do {
            try await pool.blocking(connection) { try $0.run(script: "COMMIT") }
        } catch {
            await pool.checkin(connection)
            throw error
        }
        await pool.checkin(connection)
    }

    /// Runs `statements` and then `COMMIT` in one round trip, returns the connection and the
    /// statements' results. If one fails, the server skips the rest, `COMMIT` included, and
    /// the transaction rolls back as the connection goes back.
    public func commit(after statements: [SQL]) async throws -> [QueryResult] {
        guard finish() else {
            throw PostgresError(kind: .client, message: "The transaction has already ended")
        }
        let connection = transaction.connection, pool = transaction.pool
        do {
            let results = try await pool.blocking(connection) { try $0.pipeline(statements + ["COMMIT"]) }
            await pool.checkin(connection)
            return Array(results.dropLast())
        } catch {
            await pool.checkin(connection)
            throw error
        }
    }

    /// Rolls back and returns the connection to the pool.
    public func rollback() async {
        guard finish() else { return }
        // The pool rolls back whatever is still open when the connection comes back.
        await transaction.pool.checkin(transaction.connection)
    }

    deinit {
        // A caller that forgot to finish must not cost the pool a connection for good.
        if finish() {
            let connection = transaction.connection, pool = transaction.pool
            Task { await pool.checkin(connection) }
        }
    }
}
