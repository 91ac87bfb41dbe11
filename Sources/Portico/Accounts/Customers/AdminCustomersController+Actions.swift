import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: Suspending a login, equipment, notes and tasks

    func member(_ context: StaffRequestContext, organization: UUID) async throws -> Customer {
        guard let text = context.parameters.get("customer"), let id = UUID(uuidString: text) else { throw AppError.notFound("customer") }
        let customer = try await pool.withTenant(context.tenant.id) { tx in try await repositories.customers.find(id: id, in: tx) }
        guard let customer, customer.organizationId == organization else { throw AppError.notFound("customer") }
        return customer
    }

    @Sendable func suspend(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.customers.setStatus(.suspended, for: customer.id, in: tx)
            _ = try await sessions.revokeAll(kind: .customer, principal: customer.id, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "customer.suspended",
                    targetKind: "customer", targetId: customer.email, ip: context.clientIP), in: tx)
        }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.suspended", ["name": customer.name]))
    }

    @Sendable func reactivate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await pool.withTenant(context.tenant.id) { tx in
            let hasPassword = try await repositories.customers.credentials(id: customer.id, in: tx)?.passwordHash != nil
            try await repositories.customers.setStatus(hasPassword ? .active : .pending, for: customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "customer.reactivated",
                    targetKind: "customer", targetId: customer.email, ip: context.clientIP), in: tx)
        }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.reactivated", ["name": customer.name]))
    }

    @Sendable func addEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.equipmentAdded")) {
            let equipment = try EquipmentInput.parse(form)
            try await pool.withTenant(context.tenant.id) { tx in
                _ = try await repositories.organizations.addEquipment(equipment, to: id, in: tx)
            }
        }
    }

    @Sendable func removeEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        guard let text = context.parameters.get("equipment"), let equipmentID = UUID(uuidString: text) else { throw AppError.notFound("equipment") }
        let removed = try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.organizations.removeEquipment(equipmentID, from: id, in: tx)
        }
        guard removed else { throw AppError.notFound("equipment") }
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.equipmentRemoved"))
    }

    @Sendable func addNote(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.noteAdded")) {
            let body = form.text("note_body")
            guard !body.isEmpty, body.count <= 10_000 else { throw AppError.validation(["note_body": L10n.t("console.customer.noteNeeded")]) }
            let visibility: Visibility = form.text("note_visibility") == "shared" ? .shared : .internalOnly
            try await pool.withTenant(context.tenant.id) { tx in
                _ = try await repositories.notes.create(
                    organization: id, customer: nil, body: body, visibility: visibility, author: context.staff.actor, in: tx)
            }
        }
    }

    @Sendable func addTask(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await requireOrganization(id, context: context)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.taskCreated")) {
            _ = try await tasks.create(
                StaffTasks.Input(form: form), for: id, staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
        }
    }
}
