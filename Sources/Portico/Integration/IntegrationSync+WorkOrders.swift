import Foundation
import PorticoCrypto
import Postgres

/// Work orders created and changed by an integration, through the staff service's rules.
extension IntegrationSync {

    public struct WorkOrderBody: APIRequestBody {
        public static let fields: Set<String> = ["organization_external_id", "title", "description", "category", "priority", "status"]
        public var organizationExternalId: String
        public var title: String
        public var description: String?
        public var category: String?
        public var priority: String?
        public var status: String?
    }

    public struct WorkOrderPatch: APIRequestBody {
        public static let fields: Set<String> = ["status", "note"]
        public var status: String
        public var note: String?
    }

    func workOrderResource(_ order: WorkOrder, in tx: TenantTransaction) async throws -> IntegrationWorkOrderResource {
        IntegrationWorkOrderResource(order, organization: try await repositories.organizations.find(id: order.organizationId, in: tx))
    }

    public func createWorkOrder(_ body: WorkOrderBody, key: APIKeyIdentity, tenant: ResolvedTenant) async throws -> IntegrationWorkOrderResource {
        let approve: Bool
        switch body.status ?? "submitted" {
        case "submitted": approve = false
        case "approved": approve = true
        default: throw AppError.validation(["status": "Create work orders as submitted (they wait for review) or approved."])
        }
        let organization = try await pool.withTenant(tenant.id) { tx in
            try await repositories.organizations.find(externalId: body.organizationExternalId, in: tx)
        }
        guard let organization else {
            throw AppError.validation([
                "organization_external_id": "No organization has the external id “\(body.organizationExternalId.prefix(200))”."
            ])
        }
        let input = WorkOrderInput(
            title: body.title.trimmingCharacters(in: .whitespacesAndNewlines),
            description: (body.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            category: body.category ?? "", priority: body.priority ?? "normal")
        let order = try await workOrders.create(
            for: organization.id, input: input, approve: approve,
            staff: .integration(key), tenant: tenant)
        return try await pool.withTenant(tenant.id) { tx in
            try await workOrderResource(try await repositories.workOrders.find(id: order.id, in: tx) ?? order, in: tx)
        }
    }

    public func workOrder(number: Int, tenant: ResolvedTenant) async throws -> IntegrationWorkOrderResource {
        try await pool.withTenant(tenant.id) { tx in
            guard let order = try await repositories.workOrders.find(number: number, organization: nil, in: tx) else {
                throw AppError.notFound("work order")
            }
            return try await workOrderResource(order, in: tx)
        }
    }

    public func workOrders(
        since: Date?, statuses: [WorkOrderStatus], after cursor: SyncCursor?, limit: Int,
        tenant: ResolvedTenant
    ) async throws -> APIPage<IntegrationWorkOrderResource> {
        try await pool.withTenant(tenant.id) { tx in
            let rows = try await repositories.workOrders.changed(since: since, statuses: statuses, after: cursor, limit: limit + 1, in: tx)
            let organizations = try await repositories.organizations.find(ids: rows.prefix(limit).map(\.0.organizationId), in: tx)
            return APIPage(rows: rows, limit: limit) { IntegrationWorkOrderResource($0, organization: organizations[$0.organizationId]) }
        }
    }

    /// A status change through the staff rules. `ifMatch`: the version the caller saw (412
    /// when the order has moved on since).
    public func updateWorkOrder(
        number: Int, _ patch: WorkOrderPatch, ifMatch: Int?, key: APIKeyIdentity,
        tenant: ResolvedTenant
    ) async throws -> IntegrationWorkOrderResource {
        guard let status = WorkOrderStatus(rawValue: patch.status) else {
            throw AppError.validation(["status": "Use one of: \(WorkOrderStatus.allCases.map(\.rawValue).joined(separator: ", "))."])
        }
        let note = (patch.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let current = try await workOrder(number: number, tenant: tenant)
        if let ifMatch, ifMatch != current.version { throw Self.stale(number) }
        do {
            let updated = try await workOrders.update(
                number, .init(status: status, reason: note), version: ifMatch ?? current.version, staff: .integration(key), tenant: tenant)
            return try await pool.withTenant(tenant.id) { tx in try await workOrderResource(updated, in: tx) }
        } catch let error as AppError where error.kind == .validation && error.fields["reason"] != nil {
            throw AppError.validation(["note": error.fields["reason"] ?? "Give a note."])
        } catch let error as AppError where error.code == "version_conflict" && ifMatch != nil {
            throw Self.stale(number)
        }
    }

    static func stale(_ number: Int) -> AppError {
        AppError(
            .preconditionFailed, code: "stale_version",
            "Work order #\(number) changed since the version you sent in If-Match. GET it again, then retry with its new version.")
    }
}
