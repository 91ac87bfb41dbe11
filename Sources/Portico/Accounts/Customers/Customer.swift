import Foundation
import Postgres

public enum CustomerStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    /// Created by staff or invited; no password yet.
    case pending
    case active
    /// Suspended by staff: cannot sign in, sessions ended.
    case suspended
    /// Locked for security by staff.
    case locked
}

public enum CustomerRole: String, Sendable, Codable, PostgresTextEnum {
    case owner
    case member
}

/// A person who signs in to a tenant's portal; a member of one organization.
public struct Customer: Sendable, Decodable {
    public let id: UUID
    public let organizationId: UUID
    public let role: CustomerRole
    public let name: String
    public let email: String
    public let emailVerifiedAt: Date?
    public let phone: String
    public let status: CustomerStatus
    public let externalId: String?
    public let createdAt: Date
    public let updatedAt: Date
    public let lastSignInAt: Date?

    public var isEmailVerified: Bool { emailVerifiedAt != nil }
}

public struct NewCustomer: Sendable {
    public var organizationId: UUID
    public var role: CustomerRole
    public var name: String
    public var email: String
    public var phone: String
    public var passwordHash: String?
    public var status: CustomerStatus
    public var emailVerified: Bool
    public var externalId: String?

    public init(
        organizationId: UUID, role: CustomerRole = .member, name: String, email: String, phone: String = "",
        passwordHash: String? = nil, status: CustomerStatus = .active, emailVerified: Bool = false, externalId: String? = nil
    ) {
        self.organizationId = organizationId
        self.role = role
        self.name = name
        self.email = email
        self.phone = phone
        self.passwordHash = passwordHash
        self.status = status
        self.emailVerified = emailVerified
        self.externalId = externalId
    }
}

/// What sign-in needs to know about a customer.
public struct CustomerCredentials: Sendable, Decodable {
    public let id: UUID
    public let email: String
    public let passwordHash: String?
    public let status: CustomerStatus
}

/// Phone numbers are compared by their digits only.
public enum PhoneNumber {
    public static func digits(_ text: String) -> String {
        String(text.unicodeScalars.filter { CharacterSet.decimalDigits.contains($0) && $0.isASCII }.map(Character.init))
    }
}
