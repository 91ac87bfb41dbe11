import Foundation

/// A work order's own fields as the subscriber sees them, as every subscriber-facing JSON of it
/// writes them: the subscriber API's `WorkOrderResource` and the subscriber's data export (each
/// adds its own dates and flags). Encoded flat into the enclosing object
/// (`try fields.encode(to: encoder)`; keys are written sorted, so the order here is for reading);
/// the export also decodes it from a row.
struct WorkOrderSubscriberFields: Sendable, Codable {
    // Which order and how far it is,
    let number: Int
    let title: String
    let status: String
    let progress: Int
    // what it asks for,
    let category: String
    let quantity: Int
    let priority: String
    // and the texts written on it.
    let description: String
    let serviceLocation: String
    let preferredDates: String
    let customerNotes: String
    let shopNotes: String
}

extension WorkOrderSubscriberFields {
    init(_ order: WorkOrder) {
        self.init(
            number: order.number, title: order.title, status: order.status.rawValue, progress: order.progress, category: order.category,
            quantity: order.quantity, priority: order.priority.rawValue, description: order.description,
            serviceLocation: order.serviceLocation, preferredDates: order.preferredDates, customerNotes: order.customerNotes,
            shopNotes: order.shopNotes)
    }
}
