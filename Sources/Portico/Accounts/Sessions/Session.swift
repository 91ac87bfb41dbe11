import Foundation
import Postgres

public enum PrincipalKind: String, Sendable, PostgresTextEnum {
    case customer
    case staff
}

/// How long sessions live: idle timeouts per principal kind, and an absolute limit.
public struct SessionPolicy: Sendable {
    public var staffIdle: Duration = .seconds(30 * 60)
    public var staffAbsolute: Duration = .seconds(12 * 3600)
    public var customerIdle: Duration = .seconds(24 * 3600)
    public var customerRememberIdle: Duration = .seconds(30 * 24 * 3600)
    public var customerAbsolute: Duration = .seconds(14 * 24 * 3600)
    public var customerRememberAbsolute: Duration = .seconds(90 * 24 * 3600)
    /// `last_seen_at` is written at most this often, not on every request.
    public var touchInterval: Duration = .seconds(60)

    public init() {}

    func idle(_ kind: PrincipalKind, remember: Bool) -> Duration {
        switch kind {
        case .staff: staffIdle
        case .customer: remember ? customerRememberIdle : customerIdle
        }
    }

    func absolute(_ kind: PrincipalKind, remember: Bool) -> Duration {
        switch kind {
        case .staff: staffAbsolute
        case .customer: remember ? customerRememberAbsolute : customerAbsolute
        }
    }
}

/// A live session as the request sees it, with the state of its principal read in the same
/// query, so suspension or deactivation takes effect on the very next request.
public struct SessionRecord: Sendable, Decodable {
    public let tokenHash: String
    public let principalKind: PrincipalKind
    public let principalId: UUID
    public let csrfToken: String
    public let remember: Bool
    public let secondFactorPending: Bool
    public let createdAt: Date
    public let lastSeenAt: Date
    public let expiresAt: Date
    // The principal
    public let principalName: String
    public let principalEmail: String
    public let principalStatus: String
    /// The language the person chose (profile, console, footer switcher); nil: none yet.
    public let principalLanguage: String?
    public let organizationId: UUID?
    public let emailVerified: Bool
    public let staffRole: StaffRole?
    /// Staff only: whether this person has two-factor sign-in, and whether the tenant requires it.
    public let staffTotpEnabled: Bool
    public let staffTotpRequired: Bool
    /// Staff only: the zone this person chose for the console (nil: the tenant's).
    public let staffTimeZone: String?
}
