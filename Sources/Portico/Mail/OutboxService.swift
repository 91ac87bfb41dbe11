import Foundation

/// Runs outbox delivery inside `portico serve`: immediately when mail is committed (a
/// `NOTIFY portico_outbox`), and every few seconds for retries that fall due.
typealias OutboxService = DeliveryWorkerService<OutboxDelivery>

extension OutboxDelivery: DeliveryPasses {
    static var serviceName: String { "Outbox delivery" }
    static var notifyChannel: String { "portico_outbox" }
}
