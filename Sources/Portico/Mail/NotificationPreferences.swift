import Foundation
import PorticoCrypto
import Postgres

/// What a subscriber wants to hear about by email, beyond security mail (always sent).
public struct NotificationPreferences: Sendable, Codable, Equatable {
    public enum Group: String, Sendable, CaseIterable, Codable {
        case workOrders = "work_orders"
        case appointments
        case tasks
        case news

        /// In the request's language (`notifications.group.*`).
        public var label: String { L10n.t("notifications.group.\(rawValue)") }
    }

    /// Groups switched off.
    public var muted: [String]

    public init(muted: [String] = []) { self.muted = muted }

    /// Stored as JSON; a missing key (the column's `{}` default) means nothing is muted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        muted = try container.decodeIfPresent([String].self, forKey: .muted) ?? []
    }

    enum CodingKeys: String, CodingKey { case muted }

    public func allows(_ kind: NotificationKind) -> Bool {
        guard let group = Self.group(of: kind) else { return true }
        return !muted.contains(group.rawValue)
    }

    public static func group(of kind: NotificationKind) -> Group? {
        switch kind {
        case .workOrderReceived, .workOrderApproved, .workOrderRejected, .workOrderStatusChanged, .workOrderProgress, .workOrderCompleted,
            .workOrderComment:
            .workOrders
        case .appointmentProposed, .appointmentConfirmed, .appointmentChanged, .appointmentReminder:
            .appointments
        case .taskAssigned:
            .tasks
        case .welcome:
            .news
        default:
            nil
        }
    }
}

/// Notification mail to a subscriber: respects their preferences and carries a one-click
/// `List-Unsubscribe` link for its group (security mail has neither).
public struct SubscriberMail: Sendable {
    let outbox: Outbox

    public init(outbox: Outbox) { self.outbox = outbox }

    @discardableResult
    public func send(
        _ kind: NotificationKind, to customer: Customer, tenant: ResolvedTenant, values: [String: any Sendable],
        linkToken: String? = nil, in transaction: TenantTransaction
    ) async throws -> Bool {
        guard customer.status == .active || customer.status == .pending else { return false }
        var unsubscribe: String?
        if !kind.isSecurity, let group = NotificationPreferences.group(of: kind) {
            let row = try await transaction.first(
                """
                SELECT notification_preferences, unsubscribe_key FROM customers WHERE id = \(customer.id)
                """)
            let preferences = try row?.decodeJSON("notification_preferences", as: NotificationPreferences.self) ?? NotificationPreferences()
            guard preferences.allows(kind) else { return false }
            var key = try row?.decode("unsubscribe_key", as: String?.self)
            if key == nil {
                let fresh = SecureRandom.token()
                try await transaction.execute("UPDATE customers SET unsubscribe_key = \(fresh) WHERE id = \(customer.id) AND unsubscribe_key IS NULL")
                key = try await transaction.scalar("SELECT unsubscribe_key FROM customers WHERE id = \(customer.id)", as: String.self)
            }
            if let key {
                unsubscribe = tenant.url(PortalRoutes.unsubscribe(customer.id, group.rawValue, key))
            }
        }
        return try await outbox.enqueue(
            kind, to: customer.email, name: customer.name, tenant: tenant, values: values, linkToken: linkToken,
            listUnsubscribe: unsubscribe, in: transaction)
    }
}
