import Foundation
import Postgres

public enum StaffRole: String, Sendable, Codable, CaseIterable, PostgresTextEnum, Comparable {
    case technician
    case agent
    case admin

    private var rank: Int {
        switch self {
        case .technician: 0
        case .agent: 1
        case .admin: 2
        }
    }

    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool { lhs.rank < rhs.rank }

    public var label: String { rawValue.capitalized }

    /// The role's name in the console's language (`label` stays English for the emails that
    /// still name it literally).
    public var consoleLabel: String { L10n.t("console.role.\(rawValue)") }
}

public enum StaffStatus: String, Sendable, Codable, PostgresTextEnum {
    case invited
    case active
    case deactivated
}

/// A tenant's employee.
public struct StaffUser: Sendable, Decodable {
    public let id: UUID
    public let email: String
    public let name: String
    public let role: StaffRole
    public let status: StaffStatus
    public let totpEnabledAt: Date?
    public let createdAt: Date
    public let lastSignInAt: Date?

    public var displayName: String { name.isEmpty ? email : name }
}

public struct StaffCredentials: Sendable, Decodable {
    public let id: UUID
    public let email: String
    public let passwordHash: String?
    public let status: StaffStatus
    public let role: StaffRole
    public let totpSecret: String?
    public let totpEnabledAt: Date?
}
