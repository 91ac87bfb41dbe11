import Foundation
import Hummingbird

/// `/api/v1/admin/…`: the integration API for a WISP's billing/CRM (API keys). Thin: every
/// rule lives in `IntegrationSync` and the staff services it calls.
struct IntegrationController {
    let sync: IntegrationSync

    func addRoutes(to group: RouterGroup<IntegrationAPIContext>) {
        group.get(IntegrationAPIRoutes.organizations, use: listOrganizations)
        group.get(IntegrationAPIRoutes.organization, use: getOrganization)
        group.put(IntegrationAPIRoutes.organization, use: putOrganization)
        group.put(IntegrationAPIRoutes.organizationService, use: putService)
        group.put(IntegrationAPIRoutes.organizationEquipment, use: putEquipment)
        group.get(IntegrationAPIRoutes.customers, use: listCustomers)
        group.get(IntegrationAPIRoutes.customer, use: getCustomer)
        group.put(IntegrationAPIRoutes.customer, use: putCustomer)
        group.get(IntegrationAPIRoutes.deletedCustomers, use: listDeletedCustomers)
        group.get(IntegrationAPIRoutes.workOrders, use: listWorkOrders)
        group.post(IntegrationAPIRoutes.workOrders, use: createWorkOrder)
        group.get(IntegrationAPIRoutes.workOrder, use: getWorkOrder)
        group.patch(IntegrationAPIRoutes.workOrder, use: patchWorkOrder)
        group.post(IntegrationAPIRoutes.appointments, use: createAppointment)
        group.patch(IntegrationAPIRoutes.appointment, use: patchAppointment)
    }

    // MARK: Request helpers

    func parameter(_ name: String, _ context: IntegrationAPIContext, what: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw AppError.notFound(what) }
        return raw.removingPercentEncoding ?? raw
    }

    func number(_ context: IntegrationAPIContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text.hasPrefix("#") ? String(text.dropFirst()) : text),
            number > 0, number < 1_000_000_000
        else { throw AppError.notFound("work order") }
        return number
    }

    /// `updated_since` (RFC 3339) and the opaque cursor of sync listings.
    func syncQuery(_ request: Request) throws -> (since: Date?, cursor: SyncCursor?, limit: Int) {
        let paging = try APIPaging(request)
        var since: Date?
        if let raw = request.uri.queryParameters.get("updated_since") {
            since = Self.parseTimestamp(raw)
            if since == nil { throw AppError.validation(["updated_since": "Use an RFC 3339 timestamp such as 2026-11-22T09:30:00Z."]) }
        }
        var cursor: SyncCursor?
        if let raw = paging.cursor {
            cursor = SyncCursor(token: raw)
            if cursor == nil { throw AppError.validation(["cursor": "Pass back the next_cursor of the previous page unchanged."]) }
        }
        return (since, cursor, paging.limit)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `If-Match: "3"` (or 3, or W/"3"): the version the client last saw.
    static func ifMatch(_ request: Request) throws -> Int? {
        guard let raw = request.headers[.ifMatch] else { return nil }
        var text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard let version = Int(text), version > 0 else {
            throw AppError(.badRequest, code: "malformed_if_match", "If-Match must hold the version from the ETag, like \"3\".")
        }
        return version
    }

    static func etag(_ version: Int) -> HTTPFields { [.eTag: "\"\(version)\""] }

    static func status(_ outcome: IntegrationSync.Outcome) -> HTTPResponse.Status { outcome == .created ? .created : .ok }

    // MARK: Organizations

    @Sendable func listOrganizations(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let query = try syncQuery(request)
        return try APIJSON.response(try await sync.organizations(since: query.since, after: query.cursor, limit: query.limit, tenant: context.tenant))
    }

    @Sendable func getOrganization(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let externalId = try parameter("external_id", context, what: "organization")
        return try APIJSON.response(OrganizationResource(try await sync.organization(externalId: externalId, tenant: context.tenant)))
    }

    @Sendable func putOrganization(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let externalId = try parameter("external_id", context, what: "organization")
        let body = try await APIBody.decode(IntegrationSync.OrganizationBody.self, from: request)
        let (organization, outcome) = try await sync.upsertOrganization(
            externalId: externalId, body, key: context.apiKey,
            origin: origin(request, context), tenant: context.tenant)
        return try APIJSON.response(OrganizationResource(organization), status: Self.status(outcome))
    }

    @Sendable func putService(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let externalId = try parameter("external_id", context, what: "organization")
        let body = try await APIBody.decode(IntegrationSync.ServiceBody.self, from: request)
        let (organization, _) = try await sync.updateService(
            externalId: externalId, body, key: context.apiKey,
            origin: origin(request, context), tenant: context.tenant)
        return try APIJSON.response(OrganizationResource(organization))
    }

    @Sendable func putEquipment(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let organization = try parameter("external_id", context, what: "organization")
        let externalId = try parameter("equipment_external_id", context, what: "equipment")
        let body = try await APIBody.decode(IntegrationSync.EquipmentBody.self, from: request)
        let (equipment, outcome) = try await sync.upsertEquipment(
            organization: organization, externalId: externalId, body, key: context.apiKey,
            origin: origin(request, context), tenant: context.tenant)
        return try APIJSON.response(equipment, status: Self.status(outcome))
    }

    // MARK: Customers

    @Sendable func listCustomers(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let query = try syncQuery(request)
        return try APIJSON.response(try await sync.customers(since: query.since, after: query.cursor, limit: query.limit, tenant: context.tenant))
    }

    /// `updated_since` here means deleted at or after.
    @Sendable func listDeletedCustomers(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let query = try syncQuery(request)
        return try APIJSON.response(
            try await sync.deletedCustomers(since: query.since, after: query.cursor, limit: query.limit, tenant: context.tenant))
    }

    @Sendable func getCustomer(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let externalId = try parameter("external_id", context, what: "customer")
        return try APIJSON.response(try await sync.customer(externalId: externalId, tenant: context.tenant))
    }

    @Sendable func putCustomer(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let externalId = try parameter("external_id", context, what: "customer")
        let body = try await APIBody.decode(IntegrationSync.CustomerBody.self, from: request)
        let (customer, outcome) = try await sync.upsertCustomer(
            externalId: externalId, body, key: context.apiKey,
            origin: origin(request, context), tenant: context.tenant)
        return try APIJSON.response(customer, status: Self.status(outcome))
    }

    // MARK: Work orders

    @Sendable func listWorkOrders(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let query = try syncQuery(request)
        var statuses: [WorkOrderStatus] = []
        if let raw = request.uri.queryParameters.get("status") {
            for part in raw.split(separator: ",") {
                guard let status = WorkOrderStatus(rawValue: String(part)) else {
                    throw AppError.validation([
                        "status": "Use one or more of \(WorkOrderStatus.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated."
                    ])
                }
                statuses.append(status)
            }
        }
        return try APIJSON.response(
            try await sync.workOrders(
                since: query.since, statuses: statuses, after: query.cursor, limit: query.limit,
                tenant: context.tenant))
    }

    @Sendable func createWorkOrder(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let body = try await APIBody.decode(IntegrationSync.WorkOrderBody.self, from: request)
        let order = try await sync.createWorkOrder(body, key: context.apiKey, tenant: context.tenant)
        var headers = Self.etag(order.version)
        headers[.location] = IntegrationAPIRoutes.workOrder(order.number)
        return try APIJSON.response(order, status: .created, headers: headers)
    }

    @Sendable func getWorkOrder(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let order = try await sync.workOrder(number: try number(context), tenant: context.tenant)
        return try APIJSON.response(order, headers: Self.etag(order.version))
    }

    @Sendable func patchWorkOrder(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let number = try number(context)
        let ifMatch = try Self.ifMatch(request)
        let body = try await APIBody.decode(IntegrationSync.WorkOrderPatch.self, from: request)
        let order = try await sync.updateWorkOrder(number: number, body, ifMatch: ifMatch, key: context.apiKey, tenant: context.tenant)
        return try APIJSON.response(order, headers: Self.etag(order.version))
    }

    // MARK: Appointments

    @Sendable func createAppointment(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        let body = try await APIBody.decode(IntegrationSync.AppointmentBody.self, from: request)
        let appointment = try await sync.createAppointment(body, key: context.apiKey, origin: origin(request, context), tenant: context.tenant)
        return try APIJSON.response(appointment, status: .created, headers: Self.etag(appointment.version))
    }

    @Sendable func patchAppointment(_ request: Request, context: IntegrationAPIContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("appointment") }
        let ifMatch = try Self.ifMatch(request)
        let body = try await APIBody.decode(IntegrationSync.AppointmentPatch.self, from: request)
        let appointment = try await sync.updateAppointment(
            id: id, body, ifMatch: ifMatch, key: context.apiKey, origin: origin(request, context),
            tenant: context.tenant)
        return try APIJSON.response(appointment, headers: Self.etag(appointment.version))
    }

    func origin(_ request: Request, _ context: IntegrationAPIContext) -> RequestOrigin {
        RequestOrigin(ip: context.clientIP, userAgent: String((request.headers[.userAgent] ?? "").prefix(500)))
    }
}
