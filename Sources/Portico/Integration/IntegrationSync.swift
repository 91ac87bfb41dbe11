import Foundation
import PorticoCrypto
import Postgres

/// What a WISP's billing or CRM system does through the integration API, HTTP-free:
/// idempotent upserts by external id (organizations, customers, equipment, service), sync
/// listings, and work orders and appointments through the staff services' rules. A request
/// that changes nothing writes nothing (so `updated_at` stays put and sync loops do not
/// churn); every write is audited as the API key.
public struct IntegrationSync: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    var repositories: Repositories { dependencies.repositories }
    var pool: ConnectionPool { dependencies.pool }

    public enum Outcome: Sendable { case created, updated, unchanged }

    // MARK: Bodies

    public struct OrganizationBody: APIRequestBody {
        public static let fields: Set<String> = ["name", "account_number", "kind", "service_address", "service_plan", "service_status"]
        public var name: String
        public var accountNumber: String?
        public var kind: String?
        public var serviceAddress: String?
        public var servicePlan: String?
        public var serviceStatus: String?
    }

    public struct ServiceBody: APIRequestBody {
        public static let fields: Set<String> = ["service_plan", "service_status"]
        public var servicePlan: String?
        public var serviceStatus: String?
    }

    public struct CustomerBody: APIRequestBody {
        public static let fields: Set<String> = ["organization_external_id", "name", "email", "phone", "role", "invite"]
        public var organizationExternalId: String
        public var name: String
        public var email: String
        public var phone: String?
        public var role: String?
        public var invite: Bool?
    }

    public struct EquipmentBody: APIRequestBody {
        public static let fields: Set<String> = ["model", "serial", "mac", "installed_on"]
        public var model: String
        public var serial: String?
        public var mac: String?
        public var installedOn: String?
    }

    // MARK: Helpers

    static func checkExternalId(_ value: String, field: String = "external_id") throws -> String {
        guard (1...200).contains(value.count), value.allSatisfy({ !$0.isWhitespace && !$0.isNewline }) else {
            throw AppError.validation([field: "Use your system's id: 1 to 200 characters without spaces."])
        }
        return value
    }

    func audit(
        _ key: APIKeyIdentity, _ origin: RequestOrigin, action: String, targetKind: String, target: String,
        details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: "integration", actorId: key.id, actorLabel: key.actor.name, action: action,
                targetKind: targetKind, targetId: String(target.prefix(200)), ip: origin.ip,
                userAgent: origin.userAgent, details: details), in: tx)
    }

    /// Serializes upserts of one external id, so two identical requests at once make one record.
    func lock(_ kind: String, _ externalId: String, in tx: TenantTransaction) async throws {
        try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(\(kind + ":" + tx.tenant.description + ":" + externalId), 0))")
    }

    // MARK: Organizations

    public func upsertOrganization(
        externalId: String, _ body: OrganizationBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (Organization, Outcome) {
        let externalId = try Self.checkExternalId(externalId)
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("organization", externalId, in: tx)
            let existing = try await repositories.organizations.find(externalId: externalId, in: tx)
            var fields = try OrganizationInput.parse(
                FormFields([
                    "name": body.name, "account_number": body.accountNumber ?? "",
                    "kind": body.kind ?? existing?.kind.rawValue ?? "household",
                    "service_address": body.serviceAddress ?? existing?.serviceAddress ?? "",
                    "service_plan": body.servicePlan ?? existing?.servicePlan ?? "",
                    "service_status": body.serviceStatus ?? existing?.serviceStatus.rawValue ?? "pending_install",
                ]))
            guard let existing else {
                fields.externalId = externalId
                let created = try await repositories.organizations.create(fields, in: tx)
                try await audit(
                    key, origin, action: "organization.created", targetKind: "organization", target: created.accountNumber,
                    details: ["external_id": externalId], in: tx)
                return (created, .created)
            }
            return try await update(existing, to: fields, action: "organization.updated", key: key, origin: origin, in: tx)
        }
    }

    func update(
        _ existing: Organization, to fields: NewOrganization, action: String, key: APIKeyIdentity, origin: RequestOrigin,
        in tx: TenantTransaction
    ) async throws -> (Organization, Outcome) {
        var changed: [String] = []
        if fields.name != existing.name { changed.append("name") }
        if let number = fields.accountNumber, number != existing.accountNumber { changed.append("account_number") }
        if fields.kind != existing.kind { changed.append("kind") }
        if fields.serviceAddress != existing.serviceAddress { changed.append("service_address") }
        if fields.servicePlan != existing.servicePlan { changed.append("service_plan") }
        if fields.serviceStatus != existing.serviceStatus { changed.append("service_status") }
        guard !changed.isEmpty else { return (existing, .unchanged) }
        guard let updated = try await repositories.organizations.update(existing.id, with: fields, in: tx) else {
            throw AppError.notFound("organization")
        }
        try await audit(
            key, origin, action: action, targetKind: "organization", target: updated.accountNumber,
            details: ["external_id": existing.externalId ?? "", "changed": changed.joined(separator: ",")], in: tx)
        return (updated, .updated)
    }

    /// The narrow update billing systems make often: plan and service status.
    public func updateService(
        externalId: String, _ body: ServiceBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (Organization, Outcome) {
        guard body.servicePlan != nil || body.serviceStatus != nil else {
            throw AppError.validation([
                "service_plan": "Send service_plan, service_status or both.",
                "service_status": "Send service_plan, service_status or both.",
            ])
        }
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("organization", externalId, in: tx)
            guard let existing = try await repositories.organizations.find(externalId: externalId, in: tx) else {
                throw AppError.notFound("organization")
            }
            let fields = try OrganizationInput.parse(
                FormFields([
                    "name": existing.name, "kind": existing.kind.rawValue, "service_address": existing.serviceAddress,
                    "service_plan": body.servicePlan ?? existing.servicePlan,
                    "service_status": body.serviceStatus ?? existing.serviceStatus.rawValue,
                ]))
            return try await update(existing, to: fields, action: "organization.service_changed", key: key, origin: origin, in: tx)
        }
    }

    public func organization(externalId: String, tenant: ResolvedTenant) async throws -> Organization {
        let found = try await pool.withTenant(tenant.id) { tx in try await repositories.organizations.find(externalId: externalId, in: tx) }
        guard let found else { throw AppError.notFound("organization") }
        return found
    }

    public func organizations(
        since: Date?, after cursor: SyncCursor?, limit: Int, tenant: ResolvedTenant
    ) async throws -> APIPage<OrganizationResource> {
        let rows = try await pool.withTenant(tenant.id) { tx in
            try await repositories.organizations.changed(since: since, after: cursor, limit: limit + 1, in: tx)
        }
        return APIPage(rows: rows, limit: limit, OrganizationResource.init)
    }

    // MARK: Equipment

    public func upsertEquipment(
        organization organizationExternalId: String, externalId: String, _ body: EquipmentBody, key: APIKeyIdentity,
        origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> (EquipmentResource, Outcome) {
        let externalId = try Self.checkExternalId(externalId, field: "equipment_external_id")
        var values = ["model": body.model, "serial": body.serial ?? "", "mac": body.mac ?? ""]
        if let installed = body.installedOn { values["installed_on"] = installed }
        var fields = try EquipmentInput.parse(FormFields(values))
        fields.externalId = externalId
        return try await pool.withTenant(tenant.id) { tx in
            guard let organization = try await repositories.organizations.find(externalId: organizationExternalId, in: tx) else {
                throw AppError.notFound("organization")
            }
            try await lock("equipment", externalId, in: tx)
            guard let existing = try await repositories.organizations.equipment(externalId: externalId, organization: organization.id, in: tx) else {
                let created: Equipment
                do {
                    created = try await repositories.organizations.addEquipment(fields, to: organization.id, in: tx)
                } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                    throw AppError(
                        .conflict, code: "external_id_taken",
                        "Equipment \(externalId) belongs to another organization. Move it there first, or use another id.",
                        fields: ["equipment_external_id": "Another organization's equipment has this external id."])
                }
                try await audit(
                    key, origin, action: "equipment.created", targetKind: "organization", target: organization.accountNumber,
                    details: ["equipment": externalId, "model": created.model], in: tx)
                return (EquipmentResource(created, organization: organization), .created)
            }
            if existing.model == fields.model && existing.serial == fields.serial && existing.mac == fields.mac.lowercased()
                && existing.installedOn == fields.installedOn
            {
                return (EquipmentResource(existing, organization: organization), .unchanged)
            }
            guard let updated = try await repositories.organizations.updateEquipment(existing.id, of: organization.id, with: fields, in: tx) else {
                throw AppError.notFound("equipment")
            }
            try await audit(
                key, origin, action: "equipment.updated", targetKind: "organization", target: organization.accountNumber,
                details: ["equipment": externalId], in: tx)
            return (EquipmentResource(updated, organization: organization), .updated)
        }
    }

    // MARK: Customers

    public func upsertCustomer(
        externalId: String, _ body: CustomerBody, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (CustomerResource, Outcome) {
        let externalId = try Self.checkExternalId(externalId)
        var problems: [String: String] = [:]
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 { problems["name"] = "Enter the person's name (at most 200 characters)." }
        let email = EmailAddress.normalize(body.email)
        if email == nil { problems["email"] = "Enter an email address like name@example.com." }
        let phone = (body.phone ?? "").trimmingCharacters(in: .whitespaces)
        if phone.count > 40 { problems["phone"] = "Use at most 40 characters." }
        let role: CustomerRole? = body.role.flatMap(CustomerRole.init(rawValue:))
        if body.role != nil && role == nil { problems["role"] = "Use owner or member." }
        if body.organizationExternalId.isEmpty || body.organizationExternalId.count > 200 {
            problems["organization_external_id"] = "Name the organization by its external id."
        }
        guard problems.isEmpty, let email else { throw AppError.validation(problems) }
        return try await pool.withTenant(tenant.id) { tx in
            try await lock("customer", externalId, in: tx)
            guard let organization = try await repositories.organizations.find(externalId: body.organizationExternalId, in: tx) else {
                throw AppError.validation([
                    "organization_external_id":
                        "No organization has the external id “\(body.organizationExternalId.prefix(200))”. PUT /admin/organizations/\(body.organizationExternalId.prefix(200)) first."
                ])
            }
            guard let existing = try await repositories.customers.find(externalId: externalId, in: tx) else {
                let hasOwner = try await repositories.customers.members(of: organization.id, in: tx).contains { $0.role == .owner }
                let created = try await repositories.customers.create(
                    NewCustomer(
                        organizationId: organization.id, role: role ?? (hasOwner ? .member : .owner), name: name, email: email, phone: phone,
                        status: .pending, externalId: externalId), in: tx)
                try await audit(
                    key, origin, action: "customer.created", targetKind: "customer", target: email,
                    details: ["external_id": externalId, "account": organization.accountNumber], in: tx)
                if body.invite == true {
                    try await CustomerAccounts(dependencies: dependencies).enqueueInvitation(
                        for: created, createdByStaff: nil, tenant: tenant, in: tx)
                    try await audit(key, origin, action: "customer.invited", targetKind: "customer", target: email, in: tx)
                }
                return (CustomerResource(created, organization: organization), .created)
            }
            let newRole = role ?? existing.role
            if existing.organizationId == organization.id && existing.role == newRole && existing.name == name && existing.email == email
                && existing.phone == phone
            {
                return (CustomerResource(existing, organization: organization), .unchanged)
            }
            let updated = try await repositories.customers.updateSynced(
                existing.id, organization: organization.id, role: newRole, name: name,
                email: email, phone: phone, in: tx)
            if updated.organizationId != existing.organizationId || updated.email != existing.email {
                // Moved to another account or given another address: its sessions and tokens end.
                _ = try await dependencies.sessions.revokeAll(kind: .customer, principal: existing.id, except: nil, in: tx)
                try await repositories.apiTokens.revokeAll(customer: existing.id, in: tx)
            }
            try await audit(
                key, origin, action: "customer.updated", targetKind: "customer", target: email,
                details: ["external_id": externalId], in: tx)
            return (CustomerResource(updated, organization: organization), .updated)
        }
    }

    public func customer(externalId: String, tenant: ResolvedTenant) async throws -> CustomerResource {
        try await pool.withTenant(tenant.id) { tx in
            guard let customer = try await repositories.customers.find(externalId: externalId, in: tx) else { throw AppError.notFound("customer") }
            return CustomerResource(customer, organization: try await repositories.organizations.find(id: customer.organizationId, in: tx))
        }
    }

    public func customers(since: Date?, after cursor: SyncCursor?, limit: Int, tenant: ResolvedTenant) async throws -> APIPage<CustomerResource> {
        try await pool.withTenant(tenant.id) { tx in
            let rows = try await repositories.customers.changed(since: since, after: cursor, limit: limit + 1, in: tx)
            let organizations = try await repositories.organizations.find(ids: rows.prefix(limit).map(\.0.organizationId), in: tx)
            return APIPage(rows: rows, limit: limit) { CustomerResource($0, organization: organizations[$0.organizationId]) }
        }
    }

    // MARK: Work orders

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
        let order = try await StaffWorkOrders(dependencies: dependencies).create(
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
            let updated = try await StaffWorkOrders(dependencies: dependencies).update(
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

    // MARK: Appointments

    public struct AppointmentBody: APIRequestBody {
        public static let fields: Set<String> = ["work_order_number", "starts_at", "ends_at", "kind", "technician", "status", "address", "notes"]
        public var workOrderNumber: Int
        public var startsAt: Date
        public var endsAt: Date
        public var kind: String
        public var technician: String?
        public var status: String?
        public var address: String?
        public var notes: String?
    }

    public struct AppointmentPatch: APIRequestBody {
        public static let fields: Set<String> = ["status", "starts_at", "ends_at", "reason"]
        public var status: String?
        public var startsAt: Date?
        public var endsAt: Date?
        public var reason: String?
    }

    static let dayFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd|HH:mm"
        return formatter
    }()

    /// The console's form takes a UTC date and two times; the API takes two timestamps.
    static func formWindow(_ startsAt: Date, _ endsAt: Date) throws -> [String: String] {
        var problems: [String: String] = [:]
        if startsAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) != 0 {
            problems["starts_at"] = "Use whole minutes, like 2026-11-22T09:00:00Z."
        }
        if endsAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) != 0 {
            problems["ends_at"] = "Use whole minutes, like 2026-11-22T12:00:00Z."
        }
        let start = dayFormat.string(from: startsAt).split(separator: "|").map(String.init)
        let end = dayFormat.string(from: endsAt).split(separator: "|").map(String.init)
        if endsAt > startsAt && start[0] != end[0] { problems["ends_at"] = "A visit starts and ends on the same day (UTC)." }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return ["date": start[0], "start": start[1], "end": end[1]]
    }

    /// The console's field names as the API's.
    static func renamed(_ error: AppError) -> AppError {
        guard error.kind == .validation else { return error }
        let names = [
            "date": "starts_at", "start": "starts_at", "end": "ends_at", "technician_id": "technician", "work_order": "work_order_number",
            "account": "work_order_number",
        ]
        var fields: [String: String] = [:]
        for (field, message) in error.fields { fields[names[field] ?? field] = message }
        return AppError.validation(fields, message: error.message)
    }

    func technicianId(_ technician: String?, in tx: TenantTransaction) async throws -> String {
        guard let technician, !technician.isEmpty else { return "" }
        if let id = UUID(uuidString: technician) { return id.uuidString }
        guard let person = try await repositories.staff.find(email: technician.lowercased(), in: tx) else {
            throw AppError.validation(["technician": "No staff member has the email “\(technician.prefix(254))”. Leave it out to assign nobody yet."])
        }
        return person.id.uuidString
    }

    func appointmentResource(_ appointment: Appointment, in tx: TenantTransaction) async throws -> IntegrationAppointmentResource {
        let organization = try await repositories.organizations.find(id: appointment.organizationId, in: tx)
        let number = try await appointment.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil
        let technician = try await appointment.technicianId.asyncMap { try await repositories.staff.find(id: $0, in: tx)?.email } ?? nil
        return IntegrationAppointmentResource(appointment, organization: organization, workOrderNumber: number, technician: technician)
    }

    public func createAppointment(
        _ body: AppointmentBody, key: APIKeyIdentity, origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> IntegrationAppointmentResource {
        let window = try Self.formWindow(body.startsAt, body.endsAt)
        let (account, technician) = try await pool.withTenant(tenant.id) { tx in
            guard let order = try await repositories.workOrders.find(number: body.workOrderNumber, organization: nil, in: tx),
                let organization = try await repositories.organizations.find(id: order.organizationId, in: tx)
            else {
                throw AppError.validation(["work_order_number": "No work order has the number \(body.workOrderNumber)."])
            }
            return (organization.accountNumber, try await technicianId(body.technician, in: tx))
        }
        var values = window
        values["account"] = account
        values["work_order"] = String(body.workOrderNumber)
        values["kind"] = body.kind
        values["status"] = body.status ?? ""
        values["technician_id"] = technician
        values["address"] = body.address ?? ""
        values["notes"] = body.notes ?? ""
        do {
            let appointment = try await StaffAppointments(dependencies: dependencies).create(
                .init(form: FormFields(values)), staff: .integration(key), origin: origin, tenant: tenant)
            return try await pool.withTenant(tenant.id) { tx in try await appointmentResource(appointment, in: tx) }
        } catch let error as AppError {
            throw Self.renamed(error)
        }
    }

    public func updateAppointment(
        id: UUID, _ patch: AppointmentPatch, ifMatch: Int?, key: APIKeyIdentity, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> IntegrationAppointmentResource {
        let staff = SignedInStaff.integration(key)
        let service = StaffAppointments(dependencies: dependencies)
        let current = try await pool.withTenant(tenant.id) { tx in try await service.find(id, staff: staff, in: tx) }
        if let ifMatch, ifMatch != current.version {
            throw AppError(
                .preconditionFailed, code: "stale_version",
                "The appointment changed since the version you sent in If-Match. GET it again, then retry.")
        }
        let version = ifMatch ?? current.version
        let moving = patch.startsAt != nil || patch.endsAt != nil
        if moving && patch.status != nil {
            throw AppError.validation(["status": "Change the time or the status, not both in one request."])
        }
        do {
            let updated: Appointment
            if moving {
                guard let startsAt = patch.startsAt, let endsAt = patch.endsAt else {
                    throw AppError.validation([patch.startsAt == nil ? "starts_at" : "ends_at": "Send starts_at and ends_at together."])
                }
                var values = try Self.formWindow(startsAt, endsAt)
                let extra = try await pool.withTenant(tenant.id) { tx in
                    (try await current.workOrderId.asyncMap { try await repositories.workOrders.find(id: $0, in: tx)?.number } ?? nil)
                }
                values["kind"] = current.kind.rawValue
                values["technician_id"] = current.technicianId?.uuidString ?? ""
                values["address"] = current.address
                values["notes"] = current.notes
                values["work_order"] = extra.map(String.init) ?? ""
                updated = try await service.update(
                    id, .init(form: FormFields(values)), version: version, staff: staff, origin: origin, tenant: tenant
                ).appointment
            } else {
                switch patch.status {
                case "cancelled":
                    do {
                        updated = try await service.cancel(
                            id, reason: patch.reason ?? "", version: version, staff: staff, origin: origin, tenant: tenant)
                    }
                case "completed":
                    updated = try await service.complete(id, version: version, staff: staff, origin: origin, tenant: tenant)
                case nil:
                    throw AppError.validation(["status": "Send a status (cancelled or completed), or new starts_at and ends_at."])
                default:
                    throw AppError.validation([
                        "status": "The API can cancel a visit (with a reason) or mark it completed; move it with starts_at and ends_at."
                    ])
                }
            }
            return try await pool.withTenant(tenant.id) { tx in try await appointmentResource(updated, in: tx) }
        } catch let error as AppError {
            if error.kind == .conflict && error.code.contains("conflict") && ifMatch != nil {
                throw AppError(
                    .preconditionFailed, code: "stale_version",
                    "The appointment changed since the version you sent in If-Match. GET it again, then retry.")
            }
            throw Self.renamed(error)
        }
    }
}
