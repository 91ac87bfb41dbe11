import Foundation
import Postgres

/// Queues webhook events inside the caller's transaction (a transactional outbox): a delivery
/// row per subscribed, enabled endpoint exists if and only if the change that caused it
/// commits. The services call this next to their audit events and emails, so every door
/// (pages, API, imports through the services) publishes the same events.
///
/// Payload: `{"id": event uuid, "type", "created_at", "tenant": slug, "data": {...}}`; the
/// resources in `data` are described in OpenAPI/webhooks.json.
public struct WebhookEvents: Sendable {
    let repositories: Repositories

    public init(repositories: Repositories) { self.repositories = repositories }

    var repository: any WebhookRepository { repositories.webhooks }

    struct Envelope<D: Encodable>: Encodable {
        let id: String
        let type: String
        let createdAt: String
        let tenant: String
        let data: D
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func timestamp(_ date: Date) -> String { ISODates.format(date) }

    /// Builds the payload only when someone listens; returns how many deliveries were queued.
    @discardableResult
    func publish<D: Encodable & Sendable>(
        _ type: WebhookEventType, tenant: ResolvedTenant, in tx: TenantTransaction,
        data: () async throws -> D
    ) async throws -> Int {
        guard try await repository.hasSubscribers(type, in: tx) else { return 0 }
        let id = UUID()
        let envelope = Envelope(
            id: id.uuidString.lowercased(), type: type.rawValue, createdAt: Self.timestamp(Date()), tenant: tenant.slug,
            data: try await data())
        let payload = String(decoding: try Self.encoder.encode(envelope), as: UTF8.self)
        return try await repository.enqueue(eventId: id, type: type, payload: payload, in: tx)
    }

    // MARK: Resources

    struct WorkOrderData: Encodable, Sendable {
        let id: String
        let number: Int
        let title: String
        let status: String
        let previousStatus: String?
        let organizationId: String
        let organizationExternalId: String?
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, number, title, status, previousStatus, organizationId, organizationExternalId, updatedAt
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(number, forKey: .number)
            try container.encode(title, forKey: .title)
            try container.encode(status, forKey: .status)
            try container.encodeIfPresent(previousStatus, forKey: .previousStatus)
            try container.encode(organizationId, forKey: .organizationId)
            // Always present (null when the organization has no external id).
            try container.encode(organizationExternalId, forKey: .organizationExternalId)
            try container.encode(updatedAt, forKey: .updatedAt)
        }
    }

    struct CommentData: Encodable, Sendable {
        let workOrderId: String
        let workOrderNumber: Int
        let commentId: String
        let authorKind: String
        let visibility: String
        let body: String
        let createdAt: String
    }

    struct AppointmentData: Encodable, Sendable {
        let id: String
        let change: String
        let workOrderNumber: Int?
        let organizationId: String
        let kind: String
        let startsAt: String
        let endsAt: String
        let status: String

        enum CodingKeys: String, CodingKey { case id, change, workOrderNumber, organizationId, kind, startsAt, endsAt, status }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(change, forKey: .change)
            try container.encode(workOrderNumber, forKey: .workOrderNumber)
            try container.encode(organizationId, forKey: .organizationId)
            try container.encode(kind, forKey: .kind)
            try container.encode(startsAt, forKey: .startsAt)
            try container.encode(endsAt, forKey: .endsAt)
            try container.encode(status, forKey: .status)
        }
    }

    struct CustomerData: Encodable, Sendable {
        let id: String
        let organizationId: String
        let email: String
        let name: String
        let externalId: String?

        enum CodingKeys: String, CodingKey { case id, organizationId, email, name, externalId }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(organizationId, forKey: .organizationId)
            try container.encode(email, forKey: .email)
            try container.encode(name, forKey: .name)
            try container.encode(externalId, forKey: .externalId)
        }
    }

    func workOrderData(_ order: WorkOrder, previous: WorkOrderStatus?, in tx: TenantTransaction) async throws -> WorkOrderData {
        let organization = try await repositories.organizations.find(id: order.organizationId, in: tx)
        return WorkOrderData(
            id: order.id.uuidString.lowercased(), number: order.number, title: order.title, status: order.status.rawValue,
            previousStatus: previous?.rawValue, organizationId: order.organizationId.uuidString.lowercased(),
            organizationExternalId: organization?.externalId, updatedAt: Self.timestamp(order.updatedAt))
    }

    // MARK: Events

    /// A draft is the subscriber's own until submitted (staff do not see it either), so the
    /// ISP's systems first hear of an order when it is submitted or created by staff.
    public func workOrderCreated(_ order: WorkOrder, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        guard order.status != .draft else { return }
        try await publish(.workOrderCreated, tenant: tenant, in: tx) { try await workOrderData(order, previous: nil, in: tx) }
    }

    /// Publishes `work_order.status_changed` when the status differs (no-op otherwise). A
    /// draft being submitted is the order's `work_order.created`; a draft being discarded is
    /// nothing the ISP ever saw.
    public func workOrderChanged(from before: WorkOrder, to after: WorkOrder, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        guard before.status != after.status else { return }
        if before.status == .draft {
            if after.status == .submitted { try await workOrderCreated(after, tenant: tenant, in: tx) }
            return
        }
        try await publish(.workOrderStatusChanged, tenant: tenant, in: tx) { try await workOrderData(after, previous: before.status, in: tx) }
    }

    public func commentAdded(_ comment: WorkOrderComment, to order: WorkOrder, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        guard order.status != .draft else { return }
        try await publish(.workOrderCommentAdded, tenant: tenant, in: tx) {
            CommentData(
                workOrderId: order.id.uuidString.lowercased(), workOrderNumber: order.number, commentId: comment.id.uuidString.lowercased(),
                authorKind: comment.authorKind, visibility: comment.visibility.rawValue, body: comment.body,
                createdAt: Self.timestamp(comment.createdAt))
        }
    }

    /// `change`: created, updated, cancelled, confirmed, reschedule_requested, reschedule_accepted,
    /// rescheduled, completed.
    public func appointmentChanged(_ appointment: Appointment, change: String, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        try await publish(.appointmentChanged, tenant: tenant, in: tx) {
            var number: Int?
            if let workOrder = appointment.workOrderId { number = try await repositories.workOrders.find(id: workOrder, in: tx)?.number }
            return AppointmentData(
                id: appointment.id.uuidString.lowercased(), change: change, workOrderNumber: number,
                organizationId: appointment.organizationId.uuidString.lowercased(), kind: appointment.kind.rawValue,
                startsAt: Self.timestamp(appointment.startsAt), endsAt: Self.timestamp(appointment.endsAt),
                status: appointment.status.rawValue)
        }
    }

    public func customerRegistered(_ customer: UUID, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        try await publish(.customerRegistered, tenant: tenant, in: tx) {
            guard let found = try await repositories.customers.find(id: customer, in: tx) else { throw AppError.notFound("customer") }
            return CustomerData(
                id: found.id.uuidString.lowercased(), organizationId: found.organizationId.uuidString.lowercased(),
                email: found.email, name: found.name, externalId: found.externalId)
        }
    }

    /// An erased customer: ids only, like the `deleted-customers` sync listing.
    func customerDeleted(_ tombstone: DeletedCustomer, tenant: ResolvedTenant, in tx: TenantTransaction) async throws {
        try await publish(.customerDeleted, tenant: tenant, in: tx) { DeletedCustomerResource(tombstone) }
    }
}
