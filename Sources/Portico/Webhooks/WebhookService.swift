import Foundation

/// Runs webhook delivery inside `portico serve`: at once when deliveries are committed (a
/// `NOTIFY portico_webhooks`) and on a timer for retries that fall due.
typealias WebhookService = DeliveryWorkerService<WebhookDelivery>

extension WebhookDelivery: DeliveryPasses {
    static var serviceName: String { "Webhook delivery" }
    static var notifyChannel: String { channel }
}
