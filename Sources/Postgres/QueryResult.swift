import CLibPQ
import Foundation

/// Owns a `PGresult` and frees it in `deinit`.
final class ResultHandle {
    private let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { PQclear(raw) }

    /// The rows, with `known`'s columns when the result has exactly those (the previous result
    /// of the same prepared statement: building a `ColumnSet` converts every column name, which
    /// cost a twentieth of a page's CPU when done for every result).
    func read(reusing known: ColumnSet? = nil) -> QueryResult {
        let columnCount = Int(PQnfields(raw))
        let rowCount = Int(PQntuples(raw))
        let columns: ColumnSet
        if let known, hasColumns(known.names) {
            columns = known
        } else {
            var names: [String] = []
            names.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                names.append(String(cString: PQfname(raw, Int32(column))))
            }
            columns = ColumnSet(names: names)
        }
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(raw, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(raw, Int32(row), Int32(column)))
                    let pointer = PQgetvalue(raw, Int32(row), Int32(column))!
                    values.append(
                        pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                        })
                }
            }
            rows.append(Row(columns: columns, values: values))
        }
        let affected = String(cString: PQcmdTuples(raw))
        return QueryResult(columns: columns, rows: rows, affectedRows: Int(affected) ?? 0)
    }

    /// Whether the result's columns are `names`, in order (compared without copying them).
    private func hasColumns(_ names: [String]) -> Bool {
        guard names.count == Int(PQnfields(raw)) else { return false }
        for (column, name) in names.enumerated() {
            guard let field = PQfname(raw, Int32(column)) else { return false }
            var name = name
            guard
                name.withUTF8({ bytes in
                    strlen(field) == bytes.count && (bytes.isEmpty || memcmp(field, bytes.baseAddress!, bytes.count) == 0)
                })
            else { return false }
        }
        return true
    }

    func error(query: String, connectionBroken: Bool) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(raw, code) else { return nil }
            return String(cString: value)
        }
        let state = field(Int32(UInt8(ascii: "C"))).map(SQLState.init(rawValue:))
        let message =
            field(Int32(UInt8(ascii: "M")))
            ?? String(cString: PQresultErrorMessage(raw)).trimmingCharacters(in: .whitespacesAndNewlines)
        let kind: PostgresError.Kind = (state == nil && connectionBroken) ? .connection : .server
        return PostgresError(
            kind: kind,
            sqlState: state,
            message: message.isEmpty ? "the connection to the server was lost" : message,
            detail: field(Int32(UInt8(ascii: "D"))),
            constraint: field(Int32(UInt8(ascii: "n"))),
            query: query
        )
    }
}

/// The rows of a result plus the affected-row count of a command.
public struct QueryResult: Sendable {
    public let columns: ColumnSet
    public let rows: [Row]
    public let affectedRows: Int
}
