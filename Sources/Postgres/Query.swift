/// A statement together with how its result becomes a value: what a repository hands out
/// when the caller wants to send several reads at once (`QueryRunner.batch`).
///
/// ```swift
/// let (orders, tasks) = try await tx.batch(workOrders.listing(filter), tasks.open(organization))
/// ```
public struct Query<Value>: Sendable {
    public let sql: SQL
    public let decode: @Sendable (QueryResult) throws -> Value

    public init(_ sql: SQL, decode: @escaping @Sendable (QueryResult) throws -> Value) {
        self.sql = sql
        self.decode = decode
    }

    /// Every row, decoded into `T` by column name.
    public static func rows<T: Decodable>(_ sql: SQL, as type: T.Type) -> Query<[T]> where Value == [T] {
        Query(sql) { result in try result.rows.map { try $0.decode(T.self) } }
    }

    /// The first row decoded into `T`, or nil.
    public static func first<T: Decodable>(_ sql: SQL, as type: T.Type) -> Query<T?> where Value == T? {
        Query(sql) { result in try result.rows.first?.decode(T.self) }
    }

    /// The first column of the first row.
    public static func scalar<T: PostgresDecodable>(_ sql: SQL, as type: T.Type) -> Query<T?> where Value == T? {
        Query(sql) { result in try result.rows.first?.decode(at: 0, as: T?.self) }
    }

    /// The rows touched by a command.
    public static func command(_ sql: SQL) -> Query<Int> where Value == Int {
        Query(sql) { $0.affectedRows }
    }

    /// The same statement with its value transformed.
    public func map<Other>(_ transform: @escaping @Sendable (Value) throws -> Other) -> Query<Other> {
        let decode = self.decode
        return Query<Other>(sql) { try transform(decode($0)) }
    }
}

extension QueryRunner {
    /// Runs one query and decodes its value.
    public func run<Value>(_ query: Query<Value>) async throws -> Value {
        try query.decode(try await self.query(query.sql))
    }

    /// Runs independent queries in one round trip and returns their values in order.
    /// They run one after another on the server, so a later one sees what an earlier one wrote.
    public func batch<each Value>(_ queries: repeat Query<each Value>) async throws -> (repeat each Value) {
        let results = try await pipeline(QueryBatch.statements(repeat each queries))
        return try QueryBatch.decode(results, repeat each queries)
    }
}

/// The statements of several queries, and their results decoded back in the same order.
enum QueryBatch {
    static func statements<each Value>(_ queries: repeat Query<each Value>) -> [SQL] {
        var statements: [SQL] = []
        for query in repeat each queries { statements.append(query.sql) }
        return statements
    }

    static func decode<each Value>(_ results: [QueryResult], _ queries: repeat Query<each Value>) throws -> (repeat each Value) {
        var index = 0
        func decode<V>(_ query: Query<V>) throws -> V {
            defer { index += 1 }
            return try query.decode(results[index])
        }
        return (repeat try decode(each queries))
    }
}
