import Foundation

/// What a subscriber fills in for a work order, validated with the same rules the form's
/// hints show (`maxlength`, `required`, `min`/`max`).
/// Made field by field with the memberwise initializer (every field may be left out: an empty
/// form), or read from a posted form.
public struct WorkOrderInput: Sendable {
    public var title = ""
    public var description = ""
    public var category = ""
    public var priority = "normal"
    public var quantity = "1"
    public var serviceLocation = ""
    public var preferredDates = ""
    public var customerNotes = ""
}

extension WorkOrderInput {
    public init(form: FormFields) {
        self.init(
            title: form.text("title"), description: form.text("description"), category: form.text("category"),
            priority: form.text("priority").isEmpty ? "normal" : form.text("priority"),
            quantity: form.text("quantity").isEmpty ? "1" : form.text("quantity"),
            serviceLocation: form.text("service_location"), preferredDates: form.text("preferred_dates"), customerNotes: form.text("customer_notes")
        )
    }

    /// What `order` holds of these fields: where its edit form and an update start from.
    init(editing order: WorkOrder) {
        self.init(
            title: order.title, description: order.description, category: order.category, priority: order.priority.rawValue,
            quantity: String(order.quantity), serviceLocation: order.serviceLocation, preferredDates: order.preferredDates,
            customerNotes: order.customerNotes)
    }

    public static let limits = (title: 200, description: 10_000, location: 500, preferredDates: 500, notes: 5000, quantity: 100_000)

    /// Field → message for everything wrong. `categories` is the tenant's list (empty: any).
    public func problems(categories: [String], requireComplete: Bool) -> [String: String] {
        var problems: [String: String] = [:]
        if title.isEmpty { problems["title"] = L10n.t("validation.workOrder.title") }
        if title.count > Self.limits.title { problems["title"] = L10n.t("validation.workOrder.titleTooLong", ["max": "\(Self.limits.title)"]) }
        if description.count > Self.limits.description { problems["description"] = L10n.atMostCharacters(Self.limits.description) }
        if requireComplete && description.isEmpty { problems["description"] = L10n.t("validation.workOrder.description") }
        if !categories.isEmpty {
            if category.isEmpty {
                if requireComplete { problems["category"] = L10n.t("portal.form.chooseCategory") + "." }
            } else if !categories.contains(category) {
                problems["category"] = L10n.t("validation.workOrder.listedCategory")
            }
        } else if category.count > 100 {
            problems["category"] = L10n.atMostCharacters(100)
        }
        if WorkOrderPriority(rawValue: priority) == nil { problems["priority"] = L10n.t("validation.workOrder.priority") }
        if let number = Int(quantity) {
            if number < 1 || number > Self.limits.quantity {
                problems["quantity"] = L10n.t("validation.workOrder.quantityRange", ["max": "\(Self.limits.quantity)"])
            }
        } else {
            problems["quantity"] = L10n.t("validation.workOrder.quantity")
        }
        if serviceLocation.count > Self.limits.location { problems["service_location"] = L10n.atMostCharacters(Self.limits.location) }
        if preferredDates.count > Self.limits.preferredDates { problems["preferred_dates"] = L10n.atMostCharacters(Self.limits.preferredDates) }
        if customerNotes.count > Self.limits.notes { problems["customer_notes"] = L10n.atMostCharacters(Self.limits.notes) }
        return problems
    }

    public var values: [String: String] {
        [
            "title": title, "description": description, "category": category, "priority": priority, "quantity": quantity,
            "service_location": serviceLocation, "preferred_dates": preferredDates, "customer_notes": customerNotes,
        ]
    }

    /// The changes this input makes to `order` (customer-editable fields only).
    func changes(from order: WorkOrder) -> [WorkOrderFieldChange] {
        [
            .init(.title, title), .init(.description, description), .init(.category, category), .init(.priority, priority),
            .init(.quantity, String(Int(quantity) ?? order.quantity)), .init(.serviceLocation, serviceLocation),
            .init(.preferredDates, preferredDates), .init(.customerNotes, customerNotes),
        ]
    }
}
