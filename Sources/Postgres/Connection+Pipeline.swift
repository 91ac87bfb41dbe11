import CLibPQ
import Foundation

/// Pipeline mode: several statements in one round trip.
extension Connection {
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
        enum Step { case prepare(text: String, name: String), execute(text: String, statement: String?) }
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
            steps.append(.execute(text: text, statement: name))
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
            case .prepare(let text, _), .execute(let text, _): query = text
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
            case (.execute(_, let statement), PGRES_TUPLES_OK), (.execute(_, let statement), PGRES_COMMAND_OK),
                (.execute(_, let statement), PGRES_EMPTY_QUERY):
                results.append(read(result, statement: statement))
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
}
