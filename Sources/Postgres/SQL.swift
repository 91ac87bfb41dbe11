/// A SQL statement whose interpolated values always become bound parameters.
///
/// ```swift
/// let sql: SQL = "SELECT * FROM customers WHERE email = \(email) AND tenant_id = \(tenantID)"
/// // text: SELECT * FROM customers WHERE email = $1 AND tenant_id = $2
/// ```
///
/// There is no way to interpolate a runtime string as SQL text: fragments are either
/// literal source text, a `StaticString` (`\(raw:)`), or another `SQL` value, whose
/// parameters are renumbered when it is embedded.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Part: Sendable {
        case text(String)
        case bind(PostgresBind)
    }

    private(set) var parts: [Part]

    public init(stringLiteral value: StaticString) {
        self.parts = [.text(value.description)]
    }

    public init(stringInterpolation: StringInterpolation) {
        self.parts = stringInterpolation.parts
    }

    init(parts: [Part]) {
        self.parts = parts
    }

    /// SQL text from a compile-time constant, for identifiers and keywords chosen from a fixed list.
    public init(raw: StaticString) {
        self.parts = [.text(raw.description)]
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            parts.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            parts.append(.text(literal.description))
        }

        /// Any encodable value (or nil) becomes a `$n` parameter.
        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            parts.append(.bind(PostgresBind(value)))
        }

        /// An already-built fragment is spliced in; its parameters are renumbered.
        public mutating func appendInterpolation(_ fragment: SQL) {
            parts.append(contentsOf: fragment.parts)
        }

        /// A compile-time constant spliced in as SQL text.
        public mutating func appendInterpolation(raw: StaticString) {
            parts.append(.text(raw.description))
        }
    }

    /// Appends a fragment (its parameters are renumbered).
    public mutating func append(_ fragment: SQL) {
        parts.append(contentsOf: fragment.parts)
    }

    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        SQL(parts: lhs.parts + rhs.parts)
    }

    /// Joins fragments with a separator, e.g. conditions with `AND`.
    public static func join(_ fragments: [SQL], separator: StaticString) -> SQL {
        var result = SQL(parts: [])
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { result.parts.append(.text(separator.description)) }
            result.parts.append(contentsOf: fragment.parts)
        }
        return result
    }

    /// The statement text with `$1…$n` placeholders and the parameters in order.
    public func render() -> (text: String, binds: [PostgresBind]) {
        var text = ""
        var binds: [PostgresBind] = []
        for part in parts {
            switch part {
            case .text(let fragment):
                text += fragment
            case .bind(let bind):
                binds.append(bind)
                text += "$\(binds.count)"
            }
        }
        return (text, binds)
    }

    /// The statement text only; safe to log.
    public var description: String { render().text }
}

/// One bound parameter, already in PostgreSQL's text format (or NULL).
public struct PostgresBind: Sendable {
    let encode: @Sendable () throws -> String?

    init(_ value: (some PostgresEncodable)?) {
        if let value {
            self.encode = { try value.postgresText() }
        } else {
            self.encode = { nil }
        }
    }
}
