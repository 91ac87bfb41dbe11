import Foundation
import Mustache

/// Work orders as portal pages show them.
@MustacheView
struct WorkOrderCard: Sendable {
    let number: Int
    let title: String
    let status: String
    let statusLabel: String
    let progress: Int
    let eta: String?
    let updated: String
    let category: String
    let overdue: Bool
    let href: String
    let progressLabel: String
    let progressDone: String

    init(_ order: WorkOrder, today: String, base: String = PortalRoutes.workOrders.path) {
        number = order.number
        title = order.title
        status = order.status.rawValue
        statusLabel = order.status.label
        progress = order.progress
        eta = order.estimatedCompletion.map(DisplayDate.date)
        updated = DisplayDate.dateTime(order.updatedAt)
        category = order.category
        overdue = order.isOverdue(today: today)
        href = "\(base)/\(order.number)"
        progressLabel = L10n.t("workOrders.card.progressOf", ["number": "#\(order.number)"])
        progressDone = L10n.t("workOrders.card.progressDone", ["progress": "\(order.progress)"])
    }
}

@MustacheView
struct HistoryEntry: Sendable {
    let when: String
    /// For files: ISO 8601 with the reader's offset.
    let at: String
    let field: String
    let from: String
    let to: String
    let who: String
    let reason: String

    init(_ change: WorkOrderChange, viewer: UUID?) {
        when = DisplayDate.dateTime(change.createdAt)
        at = DisplayDate.current.iso(change.createdAt)
        field = Self.fieldLabel(change.field)
        from = Self.display(change.field, change.oldValue)
        to = Self.display(change.field, change.newValue)
        switch change.actorKind {
        case "customer": who = change.actorId == viewer ? L10n.t("workOrders.history.you") : change.actorName
        case "staff": who = change.actorName.isEmpty ? L10n.t("workOrders.history.staff") : change.actorName
        case "integration": who = L10n.t("workOrders.history.integration")
        default: who = L10n.t("workOrders.history.system")
        }
        reason = change.reason
    }

    /// In the request's language (`workOrders.field.*`); a field without a text shows its name.
    static func fieldLabel(_ field: String) -> String {
        let key = "workOrders.field.\(field)"
        let label = L10n.t(key)
        return label != key ? label : field.prefix(1).uppercased() + field.dropFirst()
    }

    static func display(_ field: String, _ value: String?) -> String {
        guard let value, !value.isEmpty else { return "—" }
        if field == "status" { return WorkOrderStatus(rawValue: value)?.label ?? value }
        if field == "estimated_completion", let date = ISODates.parse(value) { return DisplayDate.date(date) }
        if field == "progress" { return "\(value) %" }
        return value
    }
}

/// Select options with the current one marked.
@MustacheView
struct Option: Sendable {
    let value: String
    let label: String
    let selected: Bool
    let help: String?

    init(value: String, label: String, selected: Bool, help: String? = nil) {
        self.value = value
        self.label = label
        self.selected = selected
        self.help = help
    }
}
