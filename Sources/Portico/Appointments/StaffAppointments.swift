import Foundation
import Postgres

/// What staff do with appointments: schedule a visit for an organization (optionally for one
/// of its work orders), edit or cancel it, answer a reschedule request (accept one of the
/// subscriber's windows or propose another) and mark a visit done. Every change is audited
/// and emails the organization's members per the tenant's and their own notification
/// settings, in the same transaction. Technicians reach only the visits assigned to them.
public struct StaffAppointments: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let outbox: Outbox

    /// Shortest and longest visit window staff can book.
    static let minimumLength: TimeInterval = 15 * 60
    static let maximumLength: TimeInterval = 12 * 3600
    /// How far ahead a visit can be booked.
    static let horizon: TimeInterval = 2 * 366 * 86_400

    /// The appointment, if this staff member may see it (technicians: only their own).
    public func find(_ id: UUID, staff: SignedInStaff, in tx: TenantTransaction) async throws -> Appointment {
        guard let appointment = try await repositories.appointments.find(id: id, organization: nil, in: tx),
            staff.role != .technician || appointment.technicianId == staff.id
        else { throw AppError.notFound("appointment") }
        return appointment
    }

    // MARK: Operations

    /// Books a visit: proposed (the subscriber confirms in the portal) or already confirmed.
    public func create(_ input: Input, staff: SignedInStaff, origin: RequestOrigin, tenant: ResolvedTenant) async throws -> Appointment {
        try requireAgent(staff)
        let status: AppointmentStatus = input.status == "confirmed" ? .confirmed : .proposed
        guard input.status.isEmpty || input.status == "proposed" || input.status == "confirmed" else {
            throw AppError.validation(["status": L10n.t("console.appointment.chooseStatus")])
        }
        return try await pool.withTenant(tenant.id) { tx in
            let (organization, changes) = try await resolve(input, organization: nil, current: nil, in: tx)
            let appointment = try await repositories.appointments.create(
                NewAppointment(
                    organizationId: organization.id, workOrderId: changes.workOrderId, kind: changes.kind, startsAt: changes.window.startsAt,
                    endsAt: changes.window.endsAt, technicianId: changes.technicianId, status: status, address: changes.address, notes: changes.notes
                ), in: tx)
            try await audit(
                "appointment.created", appointment, staff: staff, origin: origin,
                details: [
                    "account": organization.accountNumber, "when": DisplayDate.window(appointment.startsAt, appointment.endsAt),
                    "status": status.rawValue,
                ], in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(appointment, change: "created", tenant: tenant, in: tx)
            try await notify(status == .confirmed ? .appointmentConfirmed : .appointmentProposed, appointment, note: nil, tenant: tenant, in: tx)
            return appointment
        }
    }

    /// Edits an open visit. Moving a confirmed visit (or one the subscriber asked to move) makes
    /// it proposed again, so the subscriber confirms the new time. Nothing changed: nothing
    /// written, nobody emailed (`changed` is false).
    public func update(
        _ id: UUID, _ input: Input, version: Int, staff: SignedInStaff, origin: RequestOrigin,
        tenant: ResolvedTenant
    ) async throws -> (appointment: Appointment, changed: Bool) {
        try requireAgent(staff)
        return try await pool.withTenant(tenant.id) { tx -> (appointment: Appointment, changed: Bool) in
            let current = try await find(id, staff: staff, in: tx)
            try Self.requireOpen(current)
            guard let organization = try await repositories.organizations.find(id: current.organizationId, in: tx) else {
                throw AppError.notFound("appointment")
            }
            var (_, changes) = try await resolve(input, organization: organization, current: current, in: tx)
            let moved = changes.window != TimeWindow(startsAt: current.startsAt, endsAt: current.endsAt)
            if moved && current.status != .proposed { changes.status = .proposed }
            guard
                moved || changes.kind != current.kind || changes.technicianId != current.technicianId || changes.address != current.address
                    || changes.notes != current.notes || changes.workOrderId != current.workOrderId
            else {
                guard current.version == version else { throw PostgresAppointmentRepository.conflict }
                return (current, false)
            }
            let updated = try await repositories.appointments.update(id, with: changes, expectedVersion: version, in: tx)
            try await audit(
                "appointment.updated", updated, staff: staff, origin: origin,
                details: ["when": DisplayDate.window(updated.startsAt, updated.endsAt), "status": updated.status.rawValue], in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "updated", tenant: tenant, in: tx)
            try await notify(.appointmentChanged, updated, note: nil, tenant: tenant, in: tx)
            return (updated, true)
        }
    }

    /// Cancels an open visit; the reason is required and sent to the subscriber.
    public func cancel(
        _ id: UUID, reason: String, version: Int, staff: SignedInStaff, origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> Appointment {
        try requireAgent(staff)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw AppError.validation(["reason": L10n.t("console.appointment.giveReason")]) }
        guard reason.count <= 2000 else { throw AppError.validation(["reason": L10n.atMostCharacters(2000, grouped: true)]) }
        return try await pool.withTenant(tenant.id) { tx in
            let current = try await find(id, staff: staff, in: tx)
            try Self.requireOpen(current)
            let updated = try await repositories.appointments.cancel(id, reason: reason, expectedVersion: version, in: tx)
            try await audit("appointment.cancelled", updated, staff: staff, origin: origin, details: ["reason": reason], in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "cancelled", tenant: tenant, in: tx)
            try await notify(.appointmentChanged, updated, note: nil, cancelledBecause: reason, tenant: tenant, in: tx)
            return updated
        }
    }

    /// Accepts one of the windows the subscriber proposed (1-based `choice`): the visit moves
    /// there and is confirmed.
    public func accept(
        _ id: UUID, choice: Int, version: Int, staff: SignedInStaff, origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> Appointment {
        try requireAgent(staff)
        return try await pool.withTenant(tenant.id) { tx in
            let current = try await find(id, staff: staff, in: tx)
            guard current.status == .rescheduleRequested else {
                throw AppError(
                    .conflict, code: "no_request",
                    L10n.t("console.appointment.noRequest", ["status": current.status.label.lowercased(with: L10n.texts.locale)]))
            }
            guard current.rescheduleWindows.indices.contains(choice - 1) else {
                throw AppError.validation(["choice": L10n.t("console.appointment.chooseSuggested")])
            }
            let window = current.rescheduleWindows[choice - 1]
            guard window.startsAt > Date() else {
                throw AppError.validation(["choice": L10n.t("console.appointment.timePassed")])
            }
            let updated = try await repositories.appointments.reschedule(
                id, to: window, technician: current.technicianId, status: .confirmed,
                expectedVersion: version, in: tx)
            try await audit(
                "appointment.reschedule_accepted", updated, staff: staff, origin: origin,
                details: ["when": DisplayDate.window(updated.startsAt, updated.endsAt)], in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "reschedule_accepted", tenant: tenant, in: tx)
            try await notify(.appointmentConfirmed, updated, note: nil, tenant: tenant, in: tx)
            return updated
        }
    }

    /// Proposes another window (usually in answer to a reschedule request); the subscriber
    /// confirms it in the portal or asks again.
    public func propose(
        _ id: UUID, date: String, start: String, end: String, note: String, version: Int, staff: SignedInStaff,
        origin: RequestOrigin, tenant: ResolvedTenant
    ) async throws -> Appointment {
        try requireAgent(staff)
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if note.count > 2000 { problems["propose_note"] = L10n.atMostCharacters(2000, grouped: true) }
        var window: TimeWindow?
        do { window = try Self.window(date: date, start: start, end: end, future: true, prefix: "propose_") } catch let error as AppError {
            problems.merge(error.fields) { first, _ in first }
        }
        guard problems.isEmpty, let window else { throw AppError.validation(problems) }
        return try await pool.withTenant(tenant.id) { tx in
            let current = try await find(id, staff: staff, in: tx)
            try Self.requireOpen(current)
            let updated = try await repositories.appointments.reschedule(
                id, to: window, technician: current.technicianId, status: .proposed,
                expectedVersion: version, in: tx)
            try await audit(
                "appointment.reschedule_proposed", updated, staff: staff, origin: origin,
                details: ["when": DisplayDate.window(updated.startsAt, updated.endsAt)], in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "rescheduled", tenant: tenant, in: tx)
            try await notify(.appointmentProposed, updated, note: note, tenant: tenant, in: tx)
            return updated
        }
    }

    /// Marks a proposed or confirmed visit done (technicians: their own).
    public func complete(_ id: UUID, version: Int, staff: SignedInStaff, origin: RequestOrigin, tenant: ResolvedTenant) async throws -> Appointment {
        try await pool.withTenant(tenant.id) { tx in
            let current = try await find(id, staff: staff, in: tx)
            guard current.status == .confirmed || current.status == .proposed else {
                throw AppError(
                    .conflict, code: "cannot_complete", L10n.t("errors.visitCannotComplete", ["status": current.status.label.lowercased()]))
            }
            let updated = try await repositories.appointments.setStatus(.completed, of: id, expectedVersion: version, in: tx)
            try await audit("appointment.completed", updated, staff: staff, origin: origin, in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "completed", tenant: tenant, in: tx)
            return updated
        }
    }

    // MARK: Helpers

    func requireAgent(_ staff: SignedInStaff) throws {
        guard staff.role >= .agent else { throw AppError(.forbidden, code: "forbidden", L10n.t("errors.onlyAgentsSchedule")) }
    }

    static func requireOpen(_ appointment: Appointment) throws {
        guard [.proposed, .confirmed, .rescheduleRequested].contains(appointment.status) else {
            throw AppError(.conflict, code: "closed", L10n.t("errors.visitClosed", ["status": appointment.status.label.lowercased()]))
        }
    }

    func audit(
        _ action: String, _ appointment: Appointment, staff: SignedInStaff, origin: RequestOrigin, details: [String: String] = [:],
        in tx: TenantTransaction
    ) async throws {
        var details = details
        details["organization"] = appointment.organizationId.uuidString.lowercased()
        try await repositories.audit.record(
            .init(
                actorKind: staff.kind.rawValue, actorId: staff.id, actorLabel: staff.email, action: action,
                targetKind: "appointment", targetId: appointment.id.uuidString.lowercased(), ip: origin.ip,
                userAgent: origin.userAgent, details: details), in: tx)
    }

    /// One email to each member of the organization who takes appointment mail.
    func notify(
        _ kind: NotificationKind, _ appointment: Appointment, note: String?, cancelledBecause: String? = nil, tenant: ResolvedTenant,
        in tx: TenantTransaction
    ) async throws {
        let technician = try await appointment.technicianId.asyncMap { try await repositories.staff.find(id: $0, in: tx)?.displayName } ?? nil
        let values = AppointmentMail.values(appointment, tenant: tenant, technician: technician, note: note, cancelledBecause: cancelledBecause)
        let mail = SubscriberMail(outbox: outbox)
        for member in try await repositories.customers.members(of: appointment.organizationId, in: tx) {
            try await mail.send(kind, to: member, tenant: tenant, values: values, in: tx)
        }
    }
}
