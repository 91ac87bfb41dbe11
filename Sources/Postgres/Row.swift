import Foundation

/// Column names and types of a result, shared by all its rows.
public final class ColumnSet: Sendable {
    public let names: [String]
    let indexByName: [String: Int]
    /// The same positions by the Swift property name that decodes each column (`created_at`
    /// under `createdAt`), worked out once per result: `RowDecoder` used to convert every
    /// property name to snake_case for every row, a tenth of a list page's CPU.
    let indexByPropertyName: [String: Int]

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        var byProperty: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil {
            index[name] = position
            let property = RowDecoder.propertyName(forColumn: name)
            // Only where the conversion is exact both ways, so a lookup finds what the
            // per-row conversion found.
            if RowDecoder.columnName(for: property) == name { byProperty[property] = position }
        }
        self.indexByName = index
        self.indexByPropertyName = byProperty
    }

    public func index(of name: String) -> Int? { indexByName[name] }

    /// The position of the column a property of this name decodes from.
    func index(ofProperty property: String) -> Int? {
        indexByPropertyName[property] ?? indexByName[RowDecoder.columnName(for: property)]
    }
}

/// One row of a query result, values kept in text format until decoded.
public struct Row: Sendable {
    public let columns: ColumnSet
    let values: [String?]

    init(columns: ColumnSet, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    public var count: Int { values.count }

    /// The raw text of a column, nil for NULL.
    public func text(at index: Int) -> String? { values[index] }

    public func isNull(_ column: String) throws -> Bool {
        values[try position(of: column)] == nil
    }

    func position(of column: String) throws -> Int {
        guard let index = columns.index(of: column) else {
            throw PostgresError(kind: .decoding, message: "The result has no column named \"\(column)\"")
        }
        return index
    }

    /// Decodes a non-NULL column by position.
    public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
        guard index >= 0, index < values.count else {
            throw PostgresError(kind: .decoding, message: "Column index \(index) is out of range (\(values.count) columns)")
        }
        guard let text = values[index] else {
            throw PostgresError(kind: .decoding, message: "Column \"\(columns.names[index])\" is NULL but \(T.self) is not optional")
        }
        return try T(postgresText: text)
    }

    /// Decodes a column that may be NULL by position.
    public func decode<T: PostgresDecodable>(at index: Int, as type: T?.Type = T?.self) throws -> T? {
        guard index >= 0, index < values.count else {
            throw PostgresError(kind: .decoding, message: "Column index \(index) is out of range (\(values.count) columns)")
        }
        guard let text = values[index] else { return nil }
        return try T(postgresText: text)
    }

    /// Decodes a non-NULL column by name.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try decode(at: try position(of: column), as: T.self)
    }

    /// Decodes a column that may be NULL by name.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T?.Type = T?.self) throws -> T? {
        try decode(at: try position(of: column), as: T?.self)
    }

    /// Decodes a `json`/`jsonb` column into a `Decodable` type.
    public func decodeJSON<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        let index = try position(of: column)
        guard let text = values[index] else {
            throw PostgresError(kind: .decoding, message: "Column \"\(column)\" is NULL but \(T.self) is not optional")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw PostgresError(kind: .decoding, message: "Column \"\(column)\" does not hold valid JSON for \(T.self): \(error)")
        }
    }

    /// Decodes the whole row into a `Decodable` type whose property names match the
    /// columns (`createdAt` ← `created_at`).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: RowDecoder(row: self))
    }
}
