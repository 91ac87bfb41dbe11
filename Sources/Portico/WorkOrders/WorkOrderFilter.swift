import Foundation
import Postgres

/// Which orders a list shows.
public struct WorkOrderFilter: Sendable {
    public var organizationId: UUID?
    /// The organization by its account number (the console's filter as typed).
    public var accountNumber: String?
    public var statuses: [WorkOrderStatus]
    public var category: String?
    public var search: String?
    public var createdFrom: String?
    public var createdTo: String?
    public var assigneeId: UUID?
    /// Whose private orders (drafts, and drafts discarded without being submitted) the list
    /// may include: only this subscriber's own. Nil (staff, integrations): none at all.
    public var draftsOf: UUID?
    public var priority: WorkOrderPriority?
    public var overdue = false
    public var unassigned = false
    /// Open orders due on this day (yyyy-mm-dd).
    public var dueOn: String?
    /// Orders changed at or after this moment (API sync: `updated_since`).
    public var updatedSince: Date?

    public init(
        organizationId: UUID? = nil, statuses: [WorkOrderStatus] = [], category: String? = nil, search: String? = nil,
        createdFrom: String? = nil, createdTo: String? = nil, assigneeId: UUID? = nil, draftsOf: UUID? = nil
    ) {
        self.organizationId = organizationId
        self.statuses = statuses
        self.category = category
        self.search = search
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.assigneeId = assigneeId
        self.draftsOf = draftsOf
    }
}

/// Which orders are their author's alone: drafts, and drafts discarded without ever being
/// submitted. A draft becomes everyone's business (staff, the rest of the organization,
/// webhooks) only when it is submitted.
public enum WorkOrderPrivacy {
    /// The SQL condition "visible to `author`" (nil: to staff) over the `work_orders` columns,
    /// optionally behind a table alias such as `w.`.
    public static func visible(to author: UUID?, alias: SQL = "") -> SQL {
        let open: SQL = """
            (\(alias)created_by_customer_id IS NULL OR \(alias)submitted_at IS NOT NULL OR \(alias)status NOT IN ('draft', 'cancelled')
            """
        guard let author else { return open + ")" }
        return open + " OR \(alias)created_by_customer_id = \(author))"
    }
}
