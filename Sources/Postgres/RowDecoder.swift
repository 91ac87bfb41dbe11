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
        if key.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(key.utf8.count + 4)
            for byte in key.utf8 {
                if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) {
                    bytes.append(UInt8(ascii: "_"))
                    bytes.append(byte + 32)
                } else {
                    bytes.append(byte)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
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

    /// `created_at` → `createdAt`: the property name whose `columnName(for:)` is this column,
    /// when there is one (`ColumnSet` checks the round trip).
    static func propertyName(forColumn column: String) -> String {
        if column.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (every column name so far): bytes, not characters — this runs for each
            // column of each result.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(column.utf8.count)
            var upperNext = false
            for byte in column.utf8 {
                if byte == UInt8(ascii: "_") {
                    upperNext = true
                } else if upperNext {
                    bytes.append((UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte)
                    upperNext = false
                } else {
                    bytes.append(byte)
                }
            }
            if upperNext { bytes.append(UInt8(ascii: "_")) }
            return String(decoding: bytes, as: UTF8.self)
        }
        var result = ""
        var upperNext = false
        for character in column {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                result.append(contentsOf: character.uppercased())
                upperNext = false
            } else {
                result.append(character)
            }
        }
        if upperNext { result.append("_") }
        return result
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: Row
        var codingPath: [any CodingKey] = []
        var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

        func column(_ key: Key) -> String { RowDecoder.columnName(for: key.stringValue) }

        func contains(_ key: Key) -> Bool { row.columns.index(ofProperty: key.stringValue) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard let index = row.columns.index(ofProperty: key.stringValue) else { return true }
            return row.text(at: index) == nil
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            if let decodable = T.self as? any PostgresDecodable.Type {
                guard let index = row.columns.index(ofProperty: key.stringValue) else {
                    throw PostgresError(kind: .decoding, message: "The result has no column named \"\(column(key))\"")
                }
                guard let text = row.text(at: index) else {
                    throw PostgresError(kind: .decoding, message: "Column \"\(column(key))\" is NULL but \(T.self) is not optional")
                }
                // swiftlint:disable:next force_cast
                return try decodable.init(postgresText: text) as! T
            }
            return try row.decodeJSON(column(key), as: T.self)
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
