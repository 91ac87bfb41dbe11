import CLibPQ
import Foundation

/// One libpq connection. Owns its `PGconn` and frees it in `deinit`.
///
/// Every method blocks the calling thread: call them only from the pool's dedicated
/// thread pool (`ConnectionPool`), never from the cooperative executor or an event loop.
/// A connection is used by one caller at a time; the pool guarantees that, which is why
/// the class can be `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    /// Session state was changed in a way a plain transaction end does not undo
    /// (LISTEN, session-level SET, advisory locks): reset before the next caller.
    var needsReset = false
    /// Statements run since the pool handed this connection out.
    var statementsSinceCheckout = 0
    /// Times this connection waited for the server since the pool handed it out.
    var roundTripsSinceCheckout = 0
    /// A pipeline ended in a state libpq could not account for: the pool must not reuse it.
    var poisoned = false
    let createdAt = ContinuousClock.now
    var lastUsedAt = ContinuousClock.now
    /// Named prepared statements of this session, by SQL text; nil when caching is off.
    var preparedStatements: [String: String]?
    /// The columns of each prepared statement's last result, by statement name: the next result
    /// of the same statement reuses them (`ResultHandle.read(reusing:)` checks they still match).
    var resultColumns: [String: ColumnSet] = [:]
    static let preparedStatementLimit = 512

    /// Connection settings every Portico connection runs with: predictable text formats.
    static let enforcedOptions = "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3"

    private init(handle: OpaquePointer, cacheStatements: Bool) {
        self.handle = handle
        self.preparedStatements = cacheStatements ? [:] : nil
    }

    deinit {
        PQfinish(handle)
    }

    /// Opens a connection from a libpq URI or key/value conninfo string. Blocks.
    ///
    /// With `cacheStatements`, each distinct SQL text is prepared once per session and then
    /// executed by name: the server parses and plans it once. Turn it off behind a pooler
    /// that cannot keep named statements (PgBouncer before 1.21 in transaction mode).
    public static func connect(to conninfo: String, applicationName: String = "portico", cacheStatements: Bool = true) throws -> Connection {
        // Defaults first (the URI may override them), enforced settings after it.
        // Options the URI carries (`?options=-csearch_path%3Dx`) are kept and ours appended.
        let options = [userOptions(in: conninfo), enforcedOptions].compactMap { $0 }.joined(separator: " ")
        let keywords = ["connect_timeout", "application_name", "dbname", "options", "client_encoding"]
        let values = ["5", applicationName, conninfo, options, "UTF8"]
        let raw: OpaquePointer? = withArrayOfCStrings(keywords) { keywordPointers in
            withArrayOfCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let raw else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        // NOTICE messages ("relation already exists, skipping") are not errors; libpq would print
        // them to stderr.
        PQsetNoticeProcessor(raw, { _, _ in }, nil)
        let connection = Connection(handle: raw, cacheStatements: cacheStatements)
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = connection.lastErrorMessage
            throw PostgresError(kind: .connection, message: "Cannot connect to PostgreSQL: \(message)")
        }
        let version = PQserverVersion(raw)
        guard version >= 140000 else {
            throw PostgresError(
                kind: .client,
                message: "PostgreSQL \(version / 10000) is too old: Portico needs PostgreSQL 14 or newer"
            )
        }
        return connection
    }

    /// The `options` value inside a conninfo string or URI, if any.
    private static func userOptions(in conninfo: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(parsed) }
        var option = parsed
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "options", let value = option.pointee.val {
                let text = String(cString: value)
                return text.isEmpty ? nil : text
            }
            option += 1
        }
        return nil
    }

    var lastErrorMessage: String {
        guard let text = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when libpq knows the connection is gone.
    public var isBroken: Bool { poisoned || PQstatus(handle) != CONNECTION_OK }

    /// True when the connection sits inside a transaction block (or a failed one).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status != PQTRANS_IDLE
    }

    /// Process id of the server backend, for diagnostics and tests.
    public var backendPID: Int32 { PQbackendPID(handle) }

    public var serverVersion: Int32 { PQserverVersion(handle) }

    /// The role the session runs as.
    public var user: String {
        guard let text = PQuser(handle) else { return "" }
        return String(cString: text)
    }

    /// Runs one statement with bound parameters (extended protocol, text format). Blocks.
    public func query(_ sql: SQL) throws -> QueryResult {
        let (text, binds) = sql.render()
        let values: [String?]
        do {
            values = try binds.map { try $0.encode() }
        } catch var error as PostgresError {
            error = PostgresError(kind: error.kind, message: error.message, query: text)
            throw error
        }
        statementsSinceCheckout += 1
        roundTripsSinceCheckout += 1
        lastUsedAt = .now
        if let name = try preparedName(for: text, parameterCount: values.count) {
            let result: OpaquePointer? = withArrayOfOptionalCStrings(values) { pointers in
                PQexecPrepared(handle, name, Int32(values.count), pointers, nil, nil, 0)
            }
            return try consume(result, query: text, statement: name)
        }
        let result: OpaquePointer? = withArrayOfOptionalCStrings(values) { pointers in
            PQexecParams(handle, text, Int32(values.count), nil, pointers, nil, nil, 0)
        }
        return try consume(result, query: text)
    }

    /// The name of a prepared statement for `text`, preparing it on first use; nil when the
    /// cache is off or full (the statement then runs unnamed).
    private func preparedName(for text: String, parameterCount: Int) throws -> String? {
        guard let cache = preparedStatements else { return nil }
        if let name = cache[text] { return name }
        guard cache.count < Self.preparedStatementLimit else { return nil }
        let name = "portico_\(cache.count + 1)"
        roundTripsSinceCheckout += 1
        let result = PQprepare(handle, name, text, Int32(parameterCount), nil)
        _ = try consume(result, query: text)
        preparedStatements?[text] = name
        return name
    }

    /// Forgets prepared statements (after `DISCARD ALL`, which deallocates them).
    func forgetPreparedStatements() {
        if preparedStatements != nil { preparedStatements = [:] }
        resultColumns = [:]
    }

    /// Runs SQL text without parameters through the simple protocol; several statements
    /// are allowed. Only for fixed text the program owns (transaction control, migration files).
    public func run(script: String) throws {
        statementsSinceCheckout += 1
        roundTripsSinceCheckout += 1
        lastUsedAt = .now
        let result = PQexec(handle, script)
        _ = try consume(result, query: String(script.prefix(200)))
    }

    /// `statement`: the prepared statement that produced the result, whose columns are reused.
    private func consume(_ raw: OpaquePointer?, query: String, statement: String? = nil) throws -> QueryResult {
        guard let raw else {
            throw PostgresError(kind: .connection, message: lastErrorMessage, query: query)
        }
        let result = ResultHandle(raw)
        switch PQresultStatus(raw) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return read(result, statement: statement)
        default:
            throw result.error(query: query, connectionBroken: isBroken)
        }
    }

    /// Reads a result, reusing (and remembering) the columns of `statement`'s previous result.
    func read(_ result: ResultHandle, statement: String?) -> QueryResult {
        guard let statement else { return result.read() }
        let known = resultColumns[statement]
        let read = result.read(reusing: known)
        if read.columns !== known { resultColumns[statement] = read.columns }
        return read
    }

    /// Sends `NOTIFY`-style listen commands and waits for notifications: see `NotificationListener`.
    var socket: Int32 { PQsocket(handle) }

    func consumeInput() -> Bool { PQconsumeInput(handle) == 1 }

    func nextNotification() -> (channel: String, payload: String, pid: Int32)? {
        guard let notify = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notify) }
        let channel = String(cString: notify.pointee.relname)
        let payload = notify.pointee.extra.map { String(cString: $0) } ?? ""
        return (channel, payload, notify.pointee.be_pid)
    }
}
