/// An error raised by the database layer.
///
/// It carries the SQLSTATE and the SQL text that failed, never the bound parameter values:
/// those may be passwords, tokens or personal data and must not reach a log.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error; `code` holds the SQLSTATE.
        case server
        /// The connection could not be made or broke while in use.
        case connection
        /// A value could not be sent: a NUL byte in text, for instance.
        case encoding
        /// A column could not be decoded into the requested Swift type.
        case decoding
        /// No connection became free within the pool's acquire timeout.
        case poolTimeout
        /// The pool or its thread pool has been shut down.
        case shutDown
        /// Anything the database layer itself decided was wrong (bad configuration, protocol misuse).
        case client
    }

    public let kind: Kind
    /// SQLSTATE of a server error (`23505`, …), nil otherwise.
    public let sqlState: SQLState?
    public let message: String
    public let detail: String?
    /// Name of the violated constraint, when the server names one.
    public let constraint: String?
    /// The SQL text (with `$n` placeholders), never the values.
    public let query: String?

    public init(
        kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil,
        constraint: String? = nil, query: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.query = query
    }

    public var description: String {
        var text = "PostgresError(\(kind)"
        if let sqlState { text += ", \(sqlState.rawValue)" }
        text += "): \(message)"
        if let constraint { text += " [constraint \(constraint)]" }
        if let query { text += " — in: \(query.prefix(300))" }
        return text
    }

    /// True for errors that mean the connection is unusable (or never was).
    public var isConnectionFailure: Bool {
        kind == .connection || (sqlState?.isConnectionClass ?? false)
    }
}

/// A PostgreSQL SQLSTATE code, with names for the ones the application reacts to.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    public static let notNullViolation = SQLState(rawValue: "23502")
    public static let checkViolation = SQLState(rawValue: "23514")
    public static let exclusionViolation = SQLState(rawValue: "23P01")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let invalidTextRepresentation = SQLState(rawValue: "22P02")
    public static let stringDataRightTruncation = SQLState(rawValue: "22001")
    public static let numericValueOutOfRange = SQLState(rawValue: "22003")
    public static let invalidDatetimeFormat = SQLState(rawValue: "22007")
    public static let datetimeFieldOverflow = SQLState(rawValue: "22008")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let raiseException = SQLState(rawValue: "P0001")

    /// Class 08 (connection exception) and the shutdown codes of class 57P.
    public var isConnectionClass: Bool {
        rawValue.hasPrefix("08") || self == .adminShutdown || self == .cannotConnectNow
            || rawValue == "57P02"
    }

    /// Class 23: integrity constraint violations.
    public var isIntegrityViolation: Bool { rawValue.hasPrefix("23") }

    /// Class 22: data exceptions (bad input that reached the database).
    public var isDataException: Bool { rawValue.hasPrefix("22") }
}
