import Foundation
import HTTPTypes
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// What the subscriber API suites share: a tenant with a subscriber holding an API token, their
/// work orders made through the repository (as the portal would) and moved along as staff would,
/// uploads through the API, and a snapshot of everything a refused request must leave unchanged.
/// Every response is checked against the OpenAPI document by `APIClient`.
protocol WorkOrderAPIScenario {}

/// The scenario's helpers for suites that only need them (draft privacy, API usage).
enum WorkOrderAPIFixture: WorkOrderAPIScenario {}

struct WorkOrderAPIWorld {
    let tenant: TestTenant
    let organization: Organization
    let customer: Customer
    let token: String
}

extension WorkOrderAPIScenario {
    typealias World = WorkOrderAPIWorld

    static func world(name: String = "Wendy API") async throws -> World {
        let tenant = try await TestTenant.create()
        let (organization, customer) = try await tenant.subscriber(name: name)
        return World(tenant: tenant, organization: organization, customer: customer, token: try await token(tenant, customer))
    }

    static func token(_ tenant: TestTenant, _ customer: Customer) async throws -> String {
        try await tenant.transaction { tx in
            try await Repositories.postgres.apiTokens.issue(customer: customer.id, origin: .init(ip: "192.0.2.1", userAgent: "t"), in: tx)
        }.accessToken
    }

    static func staffActor(_ tenant: TestTenant) async throws -> Actor {
        let staff = try await tenant.staff(role: .agent, name: "Avery Agent")
        return Actor(kind: .staff, id: staff.id, name: staff.displayName)
    }

    /// Moves an order along as staff would, through the repository.
    static func staffUpdate(_ tenant: TestTenant, number: Int, _ changes: [WorkOrderFieldChange]) async throws {
        let actor = try await staffActor(tenant)
        try await tenant.transaction { tx in
            let order = try #require(try await Repositories.postgres.workOrders.find(number: number, organization: nil, in: tx))
            _ = try await Repositories.postgres.workOrders.update(
                order, changes: changes, expectedVersion: order.version, by: actor, reason: "", in: tx)
        }
    }

    static func order(
        _ world: World, title: String, status: WorkOrderStatus = .submitted, category: String = "",
        description: String = "Details"
    ) async throws -> WorkOrder {
        try await world.tenant.transaction { tx in
            try await Repositories.postgres.workOrders.create(
                NewWorkOrder(organizationId: world.organization.id, title: title, description: description, category: category, status: status),
                by: Actor(kind: .customer, id: world.customer.id, name: world.customer.name), in: tx)
        }
    }

    /// Everything a request could change in the tenant, to prove that a refused one changed nothing.
    static func snapshot(_ tenant: TestTenant) async throws -> String {
        try await tenant.transaction { tx in
            let orders =
                try await tx.scalar(
                    """
                    SELECT coalesce(string_agg(number || ':' || version || ':' || status || ':' || title, ',' ORDER BY number), '') FROM work_orders
                    """, as: String.self) ?? ""
            let counts =
                try await tx.scalar(
                    """
                    SELECT (SELECT count(*) FROM work_order_changes) || '/' || (SELECT count(*) FROM work_order_comments) || '/'
                           || (SELECT count(*) FROM attachments) || '/' || (SELECT count(*) FROM outbox)
                    """, as: String.self) ?? ""
            return orders + "|" + counts
        }
    }

    static func blobs(_ app: TestApp, _ tenant: TestTenant) -> [String] {
        AttachmentFixture.blobs(app, tenant)
    }

    static func upload(
        _ client: APIClient, _ number: Int, files: [(String, String, [UInt8])], comment: String? = nil,
        extra: [(String, String)] = []
    ) async throws -> APIResponse {
        var body = MultipartBody()
        for (name, value) in extra { body.field(name, value) }
        if let comment { body.field("comment", comment) }
        for (name, fileName, bytes) in files { body.file(name, fileName: fileName, bytes) }
        return try await client.send(.post, "/api/v1/work-orders/\(number)/attachments", contentType: body.contentType, bytes: body.finished())
    }

    static func ifMatch(_ version: Int) -> HTTPFields { [.ifMatch: "\"\(version)\""] }

    /// A shared file (through the API's own upload in other tests; here straight into the
    /// repository) and an internal one on the order.
    static func attachInternalAndShared(_ world: World, number: Int) async throws -> (shared: AttachmentRecord, internal: AttachmentRecord) {
        let actor = try await staffActor(world.tenant)
        return try await world.tenant.transaction { tx in
            // Seen as its author sees it: the order may be their draft.
            let order = try #require(
                try await Repositories.postgres.workOrders.find(number: number, organization: nil, draftsOf: world.customer.id, in: tx))
            let shared = try await Repositories.postgres.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "site.jpg", contentType: "image/jpeg", sizeBytes: 10, sha256: String(repeating: "a", count: 64),
                    storageKey: "missing\(UUID().uuidString.prefix(8).lowercased())abcdefghijklmnop",
                    uploadedBy: Actor(kind: .customer, id: world.customer.id, name: world.customer.name)), in: tx)
            let hidden = try await Repositories.postgres.workOrders.addAttachment(
                NewAttachment(
                    workOrderId: order.id, fileName: "INTERNAL-quote.pdf", contentType: "application/pdf", sizeBytes: 10,
                    sha256: String(repeating: "b", count: 64), storageKey: "missing\(UUID().uuidString.prefix(8).lowercased())qrstuvwxyzabcdef",
                    uploadedBy: actor, visibility: .internalOnly), in: tx)
            return (shared, hidden)
        }
    }
}

enum OpaqueCursorForTests {
    /// Valid base64url that does not decode to a cursor.
    static let garbage = Data("not a cursor".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
}
