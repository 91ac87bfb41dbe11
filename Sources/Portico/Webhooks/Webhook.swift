import Foundation
import Postgres

/// The events an endpoint can subscribe to.
public enum WebhookEventType: String, Sendable, CaseIterable, Codable {
    case workOrderCreated = "work_order.created"
    case workOrderStatusChanged = "work_order.status_changed"
    case workOrderCommentAdded = "work_order.comment_added"
    case appointmentChanged = "appointment.changed"
    case customerRegistered = "customer.registered"
    case customerDeleted = "customer.deleted"

    /// "Work order created", in the reader's language (the event name itself is machine data).
    public var label: String { L10n.t("webhooks.event.\(rawValue)") }

    /// The form field of its checkbox (`event_work_order_created`).
    public var formField: String { "event_" + rawValue.replacingOccurrences(of: ".", with: "_") }
}

/// An endpoint an admin registered. The secret is read only by the delivery worker and shown
/// to the admin once, when it is made.
public struct WebhookEndpoint: Sendable, Decodable {
    public let id: UUID
    public let url: String
    public let description: String
    public let events: [String]
    public let secret: String
    public let enabled: Bool
    public let createdAt: Date
    public let updatedAt: Date
}

public enum WebhookDeliveryStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case queued, sending, delivered, dead

    /// "Dead (gave up)", in the reader's language.
    public var label: String { L10n.t("console.webhooks.state.\(rawValue)") }
}

/// One event for one endpoint, with its delivery state.
public struct WebhookDeliveryRecord: Sendable, Decodable {
    public let id: UUID
    public let endpointId: UUID
    public let eventId: UUID
    public let eventType: String
    public let payload: String
    public let status: WebhookDeliveryStatus
    public let attempts: Int
    public let nextAttemptAt: Date
    public let lastStatusCode: Int?
    public let lastError: String?
    public let createdAt: Date
    public let deliveredAt: Date?
}

/// One attempt in the delivery log.
public struct WebhookAttempt: Sendable, Decodable {
    public let id: UUID
    public let deliveryId: UUID
    public let attempt: Int
    public let statusCode: Int?
    public let error: String?
    public let durationMs: Int
    public let createdAt: Date
}

public struct NewWebhookEndpoint: Sendable {
    public var url: String
    public var description: String
    public var events: [WebhookEventType]
    public var secret: String

    public init(url: String, description: String, events: [WebhookEventType], secret: String) {
        self.url = url
        self.description = description
        self.events = events
        self.secret = secret
    }
}
