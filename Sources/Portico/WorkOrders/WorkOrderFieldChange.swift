import Foundation
import Postgres

public struct WorkOrderFieldChange: Sendable {
    public enum Field: String, Sendable, CaseIterable {
        case title, description, category, priority, quantity
        case serviceLocation = "service_location"
        case preferredDates = "preferred_dates"
        case customerNotes = "customer_notes"
        case shopNotes = "shop_notes"
        case internalNotes = "internal_notes"
        case status, progress
        case estimatedCompletion = "estimated_completion"
        case dueDate = "due_date"
        case assigneeId = "assignee_id"
        case closedReason = "closed_reason"
    }

    public let field: Field
    public let newValue: String?
    /// How the history shows the new value when it differs from the stored text (a person's name for an id).
    public let displayValue: String?

    public init(_ field: Field, _ newValue: String?, display: String? = nil) {
        self.field = field
        self.newValue = newValue
        self.displayValue = display
    }
}
