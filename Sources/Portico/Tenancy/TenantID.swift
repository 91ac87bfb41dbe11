import Foundation
import Postgres

/// A tenant's id. A distinct type so a tenant can never be passed where, say, an
/// organization id is expected.
public struct TenantID: Hashable, Sendable, Codable, CustomStringConvertible, PostgresEncodable, PostgresDecodable {
    public let rawValue: UUID

    public init(_ rawValue: UUID) { self.rawValue = rawValue }

    public init(postgresText text: String) throws { self.rawValue = try UUID(postgresText: text) }
    public func postgresText() throws -> String { try rawValue.postgresText() }

    public var description: String { rawValue.uuidString.lowercased() }
}
