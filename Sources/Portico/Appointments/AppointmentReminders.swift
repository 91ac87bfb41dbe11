import Foundation
import Postgres

/// Emails every active member of the organization 24 hours before a proposed or confirmed
/// visit, once (`reminder_sent_at`). Runs from the maintenance loop, for the tenants one
/// statement finds with reminders due (`DueWork`), each in its own transaction.
public struct AppointmentReminders: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    /// Sends what is due; returns how many reminder emails were queued.
    @discardableResult
    public func send(now: Date = Date()) async throws -> Int {
        var queued = 0
        for tenantID in try await DueWork(pool: dependencies.pool).reminders(now: now) {
            guard let tenant = try await dependencies.tenants.tenant(id: tenantID), tenant.status == .active else { continue }
            let resolved = try await dependencies.directory.resolved(tenant)
            // The mail's times, and its "today" or "tomorrow", are the tenant's.
            queued += try await DisplayDate.$current.withValue(resolved.dates()) {
                try await dependencies.pool.withTenant(tenant.id) { tx in
                    let due = try await tx.rows(
                        """
                        SELECT * FROM appointments
                         WHERE status IN ('proposed', 'confirmed') AND reminder_sent_at IS NULL
                           AND starts_at > \(now) AND starts_at <= \(now.addingTimeInterval(24 * 3600))
                         ORDER BY starts_at FOR UPDATE SKIP LOCKED
                        """
                    ).map { try $0.decode(Appointment.self) }
                    var count = 0
                    for appointment in due {
                        let members = try await dependencies.repositories.customers.members(of: appointment.organizationId, in: tx)
                        for member in members where member.status == .active {
                            var values = AppointmentMail.values(appointment, tenant: resolved)
                            values["day"] = Self.day(of: appointment.startsAt, now: now)
                            let sent = try await SubscriberMail(outbox: dependencies.outbox).send(
                                .appointmentReminder, to: member, tenant: resolved, values: values, in: tx
                            )
                            if sent { count += 1 }
                        }
                        try await tx.execute("UPDATE appointments SET reminder_sent_at = now() WHERE id = \(appointment.id)")
                    }
                    return count
                }
            }
        }
        return queued
    }

    /// "today" or "tomorrow": the visit's day against today's in the reader's calendar (a
    /// reminder goes out at most 24 hours ahead, so it is one or the other).
    static func day(of start: Date, now: Date, in dates: DisplayDate = .current) -> String {
        dates.day(start) == dates.day(now) ? "today" : "tomorrow"
    }
}

/// What appointment emails show.
enum AppointmentMail {
    static func values(_ appointment: Appointment, tenant: ResolvedTenant, technician: String? = nil, note: String? = nil) -> [String: any Sendable] {
        var values: [String: any Sendable] = [
            "kind": appointment.kind.label.lowercased(),
            "when": DisplayDate.window(appointment.startsAt, appointment.endsAt),
            "address": appointment.address,
            "status": appointment.status.label.lowercased(),
            "actionUrl": tenant.url(PortalRoutes.appointment(appointment.id)),
        ]
        if let technician { values["technician"] = technician }
        if let note, !note.isEmpty { values["note"] = note }
        return values
    }
}
