import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: Suspending a login, equipment, notes and tasks

    func member(_ context: StaffRequestContext, organization: UUID) async throws -> Customer {
        guard let text = context.parameters.get("customer"), let id = UUID(uuidString: text) else { throw AppError.notFound("customer") }
        return try await customers.member(id, of: organization, tenant: context.tenant.id)
    }

    @Sendable func suspend(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await customers.suspend(customer, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.suspended", ["name": customer.name]))
    }

    @Sendable func reactivate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let customer = try await member(context, organization: id)
        try await customers.reactivate(customer, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.reactivated", ["name": customer.name]))
    }

    @Sendable func addEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.equipmentAdded")) {
            try await customers.addEquipment(try EquipmentInput.parse(form), to: id, tenant: context.tenant.id)
        }
    }

    @Sendable func removeEquipment(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        guard let text = context.parameters.get("equipment"), let equipmentID = UUID(uuidString: text) else { throw AppError.notFound("equipment") }
        try await customers.removeEquipment(equipmentID, from: id, tenant: context.tenant.id)
        return try await renderDetail(id, context: context, notice: L10n.t("console.customer.equipmentRemoved"))
    }

    @Sendable func addNote(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.noteAdded")) {
            try await customers.addNote(
                form.text("note_body"), shared: form.text("note_visibility") == "shared", to: id, staff: context.staff, tenant: context.tenant.id)
        }
    }

    @Sendable func addTask(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        return try await act(id, request, context: context, form: form, notice: L10n.t("console.customer.taskCreated")) {
            _ = try await tasks.create(
                StaffTasks.Input(form: form), for: id, staff: context.staff,
                origin: context.origin(request), tenant: context.tenant)
        }
    }
}
