import CLibPQ
import Foundation

/// One libpq connection. Owns its `PGconn` and frees it in `deinit`.
///
/// Every method blocks the calling thread: call them only from the pool's dedicated
/// thread pool (`ConnectionPool`), never from the cooperative executor or an event loop.
/// A connection is used by one caller at a time; the pool guarantees that, which is why
/// the class can be `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Session state was changed in a way a plain transaction end does not undo
    /// (LISTEN, session-level SET, advisory locks): reset before the next caller.
    var needsReset = false
    /// Statements run since the pool handed this connection out.
    var statementsSinceCheckout = 0
    /// Times this connection waited for the server since the pool handed it out.
    var roundTripsSinceCheckout = 0
    /// A pipeline ended in a state libpq could not account for: the pool must not reuse it.
    private var poisoned = false
    let createdAt = ContinuousClock.now
    var lastUsedAt = ContinuousClock.now
    /// Named prepared statements of this session, by SQL text; nil when caching is off.
    private var preparedStatements: [String: String]?
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
            return try consume(result, query: text)
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

    /// Runs several statements in one round trip (libpq pipeline mode, one Sync at the end)
    /// and returns their results in order. Blocks.
    ///
    /// The statements run one after another on the server as if sent singly; the client just
    /// does not wait in between. If one fails, the server skips the rest up to the Sync and
    /// the first error is thrown: inside a transaction, the transaction is then failed and
    /// rolls back, exactly as with separate calls. Statements not yet prepared are prepared
    /// within the same pipeline.
    ///
    /// The connection stays in blocking mode: meant for a handful of statements (a page's
    /// reads), whose queries and results fit the socket buffers, not for bulk loads.
    public func pipeline(_ statements: [SQL]) throws -> [QueryResult] {
        if statements.count == 1 { return [try query(statements[0])] }
        if statements.isEmpty { return [] }
        // Everything is encoded before anything is sent: an encoding error sends nothing.
        var rendered: [(text: String, values: [String?])] = []
        rendered.reserveCapacity(statements.count)
        for sql in statements {
            let (text, binds) = sql.render()
            do {
                rendered.append((text, try binds.map { try $0.encode() }))
            } catch let error as PostgresError {
                throw PostgresError(kind: error.kind, message: error.message, query: text)
            }
        }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: isBroken ? .connection : .client, message: "Cannot enter pipeline mode: \(lastErrorMessage)")
        }
        // From here on, any path that does not read every result back leaves libpq mid-pipeline:
        // such a connection is marked unusable and the pool drops it.
        enum Step { case prepare(text: String, name: String), execute(text: String) }
        var steps: [Step] = []
        var pending: [String: String] = [:]
        for (text, values) in rendered {
            var name: String?
            if let cache = preparedStatements {
                if let known = cache[text] ?? pending[text] {
                    name = known
                } else if cache.count + pending.count < Self.preparedStatementLimit {
                    let fresh = "portico_\(cache.count + pending.count + 1)"
                    guard PQsendPrepare(handle, fresh, text, Int32(values.count), nil) == 1 else {
                        poisoned = true
                        throw PostgresError(kind: .connection, message: "Cannot send a pipelined statement: \(lastErrorMessage)", query: text)
                    }
                    steps.append(.prepare(text: text, name: fresh))
                    pending[text] = fresh
                    name = fresh
                }
            }
            let sent: Int32 = withArrayOfOptionalCStrings(values) { pointers in
                if let name {
                    PQsendQueryPrepared(handle, name, Int32(values.count), pointers, nil, nil, 0)
                } else {
                    PQsendQueryParams(handle, text, Int32(values.count), nil, pointers, nil, nil, 0)
                }
            }
            guard sent == 1 else {
                poisoned = true
                throw PostgresError(kind: .connection, message: "Cannot send a pipelined statement: \(lastErrorMessage)", query: text)
            }
            steps.append(.execute(text: text))
        }
        guard PQpipelineSync(handle) == 1 else {
            poisoned = true
            throw PostgresError(kind: .connection, message: "Cannot send the pipeline: \(lastErrorMessage)")
        }
        statementsSinceCheckout += statements.count
        roundTripsSinceCheckout += 1
        lastUsedAt = .now

        var results: [QueryResult] = []
        results.reserveCapacity(statements.count)
        var firstError: PostgresError?
        for step in steps {
            let query: String
            switch step {
            case .prepare(let text, _), .execute(let text): query = text
            }
            guard let raw = PQgetResult(handle) else {
                poisoned = true
                throw PostgresError(kind: .connection, message: lastErrorMessage, query: query)
            }
            let result = ResultHandle(raw)
            let status = PQresultStatus(raw)
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(handle) { PQclear(extra) }
            switch (step, status) {
            case (.prepare(let text, let name), PGRES_COMMAND_OK):
                preparedStatements?[text] = name
            case (.execute, PGRES_TUPLES_OK), (.execute, PGRES_COMMAND_OK), (.execute, PGRES_EMPTY_QUERY):
                results.append(result.read())
            case (_, PGRES_PIPELINE_ABORTED):
                continue
            default:
                if firstError == nil { firstError = result.error(query: query, connectionBroken: isBroken) }
            }
        }
        guard let sync = PQgetResult(handle), PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
            poisoned = true
            throw firstError ?? PostgresError(kind: .connection, message: "The pipeline did not end with a Sync: \(lastErrorMessage)")
        }
        PQclear(sync)
        guard PQexitPipelineMode(handle) == 1 else {
            poisoned = true
            throw firstError ?? PostgresError(kind: .connection, message: "Cannot leave pipeline mode: \(lastErrorMessage)")
        }
        if let firstError { throw firstError }
        guard results.count == statements.count else {
            throw PostgresError(kind: .client, message: "The pipeline returned \(results.count) results for \(statements.count) statements")
        }
        return results
    }

    /// Forgets prepared statements (after `DISCARD ALL`, which deallocates them).
    func forgetPreparedStatements() {
        if preparedStatements != nil { preparedStatements = [:] }
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

    private func consume(_ raw: OpaquePointer?, query: String) throws -> QueryResult {
        guard let raw else {
            throw PostgresError(kind: .connection, message: lastErrorMessage, query: query)
        }
        let result = ResultHandle(raw)
        switch PQresultStatus(raw) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return result.read()
        default:
            throw result.error(query: query, connectionBroken: isBroken)
        }
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

private func withArrayOfCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    // libpq's keyword/value arrays end with a NULL entry.
    withArrayOfOptionalCStrings(strings.map { Optional($0) } + [nil], body)
}

/// Calls `body` with C strings for each value (nil stays NULL) that live for the call.
private func withArrayOfOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { value in
        guard let value else { return nil }
        return strdup(value)
    }
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
