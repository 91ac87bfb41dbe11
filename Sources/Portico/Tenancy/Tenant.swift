import Foundation
import Mustache
import Postgres

public enum TenantStatus: String, Sendable, Codable, PostgresTextEnum {
    case active
    case suspended
}

/// A WISP using Portico.
@MustacheView
public struct Tenant: Sendable, Decodable {
    public let id: TenantID
    public let slug: String
    public let name: String
    public let status: TenantStatus
    public let theme: String
    /// The IANA zone its people see and enter times in (`America/Chicago`); `UTC` by default.
    public let timeZone: String
    public let createdAt: Date
    /// Codes of shipped languages (`Language`); the default is among the offered.
    public var defaultLanguage: String = Language.en.code
    public var offeredLanguages: [String] = [Language.en.code]
}

/// A host that maps to a tenant, other than its platform subdomain.
public struct TenantDomain: Sendable, Decodable {
    public let tenantId: TenantID
    public let domain: String
    public let kind: String
    public let verificationToken: String
    public let verifiedAt: Date?
    public let isPrimary: Bool
    public let createdAt: Date

    public var isActive: Bool { verifiedAt != nil }
}
