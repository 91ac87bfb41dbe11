import Foundation
import PorticoCrypto
import Postgres

/// A subscriber's choice of notification email: the profile's switches, and the one-click
/// unsubscribe link in every notification email (which works without signing in: the key in
/// the link is the credential). Security mail is never muted.
public struct EmailPreferences: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories

    public init(pool: ConnectionPool, repositories: Repositories) {
        self.pool = pool
        self.repositories = repositories
    }

    /// Keeps the groups in `enabled` on and mutes every other one.
    public func save(enabled: [String], customer: SignedInCustomer, tenant: ResolvedTenant) async throws {
        let on = Set(enabled)
        guard on.allSatisfy({ NotificationPreferences.Group(rawValue: $0) != nil }) else {
            throw AppError.validation(["enabled": L10n.t("validation.unknownEmailGroup")])
        }
        let preferences = NotificationPreferences(muted: NotificationPreferences.Group.allCases.map(\.rawValue).filter { !on.contains($0) })
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.setNotificationPreferences(preferences, of: customer.id, in: tx)
        }
    }

    /// Whether `key` is the customer's unsubscribe key. A wrong key and an unknown customer
    /// answer the same, so a link cannot be used to find out who has an account.
    public func acceptsUnsubscribeKey(_ key: String, customer: UUID, tenant: ResolvedTenant) async throws -> Bool {
        let stored = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.unsubscribeKey(of: customer, in: tx) }
        guard let stored else { return false }
        return Digest.constantTimeEquals(stored, key)
    }

    /// Mutes one group (the unsubscribe link); muting it again changes nothing.
    public func mute(_ group: NotificationPreferences.Group, customer: UUID, tenant: ResolvedTenant) async throws {
        try await pool.withTenant(tenant.id) { tx in
            var preferences = try await repositories.customers.notificationPreferences(of: customer, in: tx)
            guard !preferences.muted.contains(group.rawValue) else { return }
            preferences.muted.append(group.rawValue)
            try await repositories.customers.setNotificationPreferences(preferences, of: customer, in: tx)
        }
    }
}
