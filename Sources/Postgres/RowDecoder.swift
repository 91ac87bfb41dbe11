import Foundation

/// Decodes a row into a `Decodable` struct: each property is read from the column of the
/// same name in snake_case. Properties of `PostgresDecodable` types are read from text;
/// any other `Decodable` property is read from a `json`/`jsonb` column.
struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw PostgresError(kind: .decoding, message: "A row decodes into a keyed type (a struct), not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw PostgresError(kind: .decoding, message: "A row decodes into a keyed type (a struct), not a single value")
    }

    static func columnName(for key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase {
                result.append("_")
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: Row
        var codingPath: [any CodingKey] = []
        var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

        func column(_ key: Key) -> String { RowDecoder.columnName(for: key.stringValue) }

        func contains(_ key: Key) -> Bool { row.columns.index(of: column(key)) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let index = row.columns.index(of: column(key)) else { return true }
            return row.text(at: index) == nil
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let name = column(key)
            if let decodable = T.self as? any PostgresDecodable.Type {
                let index = try row.position(of: name)
                guard let text = row.text(at: index) else {
                    throw PostgresError(kind: .decoding, message: "Column \"\(name)\" is NULL but \(T.self) is not optional")
                }
                // swiftlint:disable:next force_cast
                return try decodable.init(postgresText: text) as! T
            }
            return try row.decodeJSON(name, as: T.self)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw PostgresError(kind: .decoding, message: "Nested containers are not supported for column \(column(key))")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw PostgresError(kind: .decoding, message: "Nested containers are not supported for column \(column(key))")
        }

        func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
        func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
    }
}

/// String-backed enums stored as text columns: conform and get both directions for free.
public protocol PostgresTextEnum: PostgresEncodable, PostgresDecodable, Codable, RawRepresentable where RawValue == String {}

extension PostgresTextEnum {
    public func postgresText() throws -> String { try rawValue.postgresText() }

    public init(postgresText text: String) throws {
        guard let value = Self(rawValue: text) else {
            throw PostgresError(kind: .decoding, message: "\"\(text)\" is not a valid \(Self.self)")
        }
        self = value
    }
}
