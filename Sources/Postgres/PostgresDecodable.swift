import Foundation

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    init(postgresText text: String) throws
}

private func decodingError(_ type: Any.Type, _ text: String) -> PostgresError {
    PostgresError(kind: .decoding, message: "Cannot read \(type) from a column value of \(text.utf8.count) bytes")
}

extension String: PostgresDecodable {
    public init(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = Int(text) else { throw decodingError(Int.self, text) }
        self = value
    }
}

extension Int32: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = Int32(text) else { throw decodingError(Int32.self, text) }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = Int64(text) else { throw decodingError(Int64.self, text) }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String) throws {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw decodingError(Double.self, text) }
            self = value
        }
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(Bool.self, text)
        }
    }
}

extension UUID: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = UUID(uuidString: text) else { throw decodingError(UUID.self, text) }
        self = value
    }
}

extension Date: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = PostgresDateFormat.parse(text) else { throw decodingError(Date.self, text) }
        self = value
    }
}

extension Data: PostgresDecodable {
    /// bytea in hex output format (`\x…`), the server default.
    public init(postgresText text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else {
            throw decodingError(Data.self, text)
        }
        func nibble(_ byte: UInt8) throws -> UInt8 {
            switch byte {
            case 48...57: return byte - 48
            case 97...102: return byte - 87
            case 65...70: return byte - 55
            default: throw decodingError(Data.self, text)
            }
        }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            let high = try nibble(bytes[index])
            let low = try nibble(bytes[index + 1])
            data.append(high << 4 | low)
            index += 2
        }
        self = data
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array in text output format: `{a,"b c",NULL}`. NULL elements are refused.
    public init(postgresText text: String) throws {
        let characters = [Character](text)
        guard characters.first == "{", characters.last == "}" else { throw decodingError([Element].self, text) }
        var elements: [Element] = []
        var index = 1
        let end = characters.count - 1
        if end == 1 { self = []; return }
        while index < end {
            var value = ""
            var quoted = false
            if characters[index] == "\"" {
                quoted = true
                index += 1
                while index < end, characters[index] != "\"" {
                    if characters[index] == "\\" { index += 1 }
                    value.append(characters[index])
                    index += 1
                }
                index += 1
            } else {
                while index < end, characters[index] != "," {
                    value.append(characters[index])
                    index += 1
                }
            }
            if !quoted && value == "NULL" { throw decodingError([Element].self, text) }
            elements.append(try Element(postgresText: value))
            index += 1  // the comma
        }
        self = elements
    }
}
