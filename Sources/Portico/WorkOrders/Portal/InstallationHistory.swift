import Foundation
import Mustache
import Postgres

/// The "Installation history" of the service page: what was installed at the subscriber's
/// account and when, from two sources staff keep anyway — the install dates of equipment, and
/// completed work orders whose category is an installation ("Installation", "Install repeater"…).
/// Newest first.
struct InstallationHistory {
    @MustacheView
    struct Entry: Sendable, Equatable {
        /// yyyy-mm-dd, for ordering.
        let day: String
        let when: String
        let title: String
        let detail: String
        let href: String?
    }

    struct CompletedInstall: Sendable, Decodable {
        let number: Int
        let title: String
        let category: String
        let completedAt: Date
    }

    /// The organization's completed installation orders, newest first (`merge` adds the equipment).
    static func completedInstalls(organization: UUID) -> Query<[CompletedInstall]> {
        .rows(
            """
            SELECT number, title, category, COALESCE(completed_at, updated_at) AS completed_at FROM work_orders
             WHERE organization_id = \(organization) AND status = 'completed' AND lower(category) LIKE '%install%'
             ORDER BY 4 DESC LIMIT 100
            """, as: CompletedInstall.self)
    }

    static func merge(equipment: [Equipment], orders: [CompletedInstall]) -> [Entry] {
        let fromEquipment = equipment.compactMap { item -> Entry? in
            guard let day = item.installedOn, let date = ISODates.parseDay(day) else { return nil }
            let identity = [
                item.serial.isEmpty ? nil : L10n.t("portal.service.history.serial", ["serial": item.serial]),
                item.mac.isEmpty ? nil : L10n.t("portal.service.history.mac", ["mac": item.mac]),
            ].compactMap { $0 }
            let model = item.model.isEmpty ? L10n.t("portal.service.history.equipment") : item.model
            return Entry(
                day: day, when: DisplayDate.date(date), title: L10n.t("portal.service.history.installed", ["model": model]),
                detail: identity.joined(separator: " · "), href: nil)
        }
        let fromOrders = orders.map { order in
            Entry(
                day: ISODates.today(order.completedAt), when: DisplayDate.date(order.completedAt),
                title: "#\(order.number) \(order.title)", detail: L10n.t("portal.service.history.completed", ["category": order.category]),
                href: PortalRoutes.workOrder(order.number))
        }
        return (fromEquipment + fromOrders).sorted { ($0.day, $0.title) > ($1.day, $1.title) }
    }
}
