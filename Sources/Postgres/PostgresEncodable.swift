import Foundation

/// A Swift value that can be sent to PostgreSQL as a text-format parameter.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format.
    func postgresText() throws -> String
}

extension String: PostgresEncodable {
    public func postgresText() throws -> String {
        // libpq passes parameters as C strings; PostgreSQL text cannot hold NUL either.
        if self.utf8.contains(0) {
            throw PostgresError(kind: .encoding, message: "Text contains a NUL byte (\\0), which PostgreSQL cannot store.")
        }
        return self
    }
}

extension Substring: PostgresEncodable {
    public func postgresText() throws -> String { try String(self).postgresText() }
}

extension Int: PostgresEncodable {
    public func postgresText() throws -> String { String(self) }
}

extension Int32: PostgresEncodable {
    public func postgresText() throws -> String { String(self) }
}

extension Int64: PostgresEncodable {
    public func postgresText() throws -> String { String(self) }
}

extension Bool: PostgresEncodable {
    public func postgresText() throws -> String { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    public func postgresText() throws -> String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}

extension UUID: PostgresEncodable {
    public func postgresText() throws -> String { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    public func postgresText() throws -> String { PostgresDateFormat.format(self) }
}

extension Data: PostgresEncodable {
    /// bytea in hex format: `\x0a1b…`.
    public func postgresText() throws -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        bytes.reserveCapacity(2 + count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal: `{"a","b"}`; every element quoted and escaped.
    public func postgresText() throws -> String {
        var text = "{"
        for (index, element) in self.enumerated() {
            if index > 0 { text += "," }
            let value = try element.postgresText()
            text += "\""
            for character in value {
                if character == "\"" || character == "\\" { text.append("\\") }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}

/// Wraps a `Codable` value so it is sent as `json`/`jsonb`.
public struct JSONParameter<Value: Encodable & Sendable>: PostgresEncodable {
    public let value: Value
    public init(_ value: Value) { self.value = value }

    public func postgresText() throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return try String(decoding: data, as: UTF8.self).postgresText()
    }
}

/// Text formats of `timestamptz` as sent and as received (the connection runs with
/// `DateStyle=ISO` and `TimeZone=UTC`).
enum PostgresDateFormat {
    static func format(_ date: Date) -> String {
        // Microsecond precision, always UTC, ISO 8601: accepted by timestamptz input.
        let seconds = date.timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 { whole += 1; micros = 0 }
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        let microText = String(micros)
        let paddedMicros = String(repeating: "0", count: 6 - microText.count) + microText
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(paddedMicros)Z"
    }

    /// Parses `2024-05-06 07:08:09.123456+00` (and variants with `T`, without fraction,
    /// with `+05:30`-style offsets, or date-only values).
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2),
            expect(UInt8(ascii: "-")), let day = number(2)
        else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "T") {
            index += 1
            guard let h = number(2), expect(UInt8(ascii: ":")), let m = number(2), expect(UInt8(ascii: ":")),
                let s = number(2)
            else { return nil }
            hour = h; minute = m; second = s
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                var scale = 0.1
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    fraction += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < bytes.count {
                let sign = bytes[index]
                if sign == UInt8(ascii: "Z") {
                    index += 1
                } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    index += 1
                    guard let oh = number(2) else { return nil }
                    var om = 0, os = 0
                    if expect(UInt8(ascii: ":")) { guard let v = number(2) else { return nil }; om = v }
                    if expect(UInt8(ascii: ":")) { guard let v = number(2) else { return nil }; os = v }
                    offsetSeconds = (oh * 3600 + om * 60 + os) * (sign == UInt8(ascii: "-") ? -1 : 1)
                }
            }
        }
        guard index == bytes.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        return Date(timeIntervalSince1970: Double(epoch) - Double(offsetSeconds) + fraction)
    }
}
