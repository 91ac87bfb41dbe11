import Foundation
import Postgres

/// Emails every active member of the organization 24 hours before a proposed or confirmed
/// visit, once (`reminder_sent_at`). Runs from the maintenance loop, for the tenants one
/// statement finds with reminders due (`DueWork`), each in its own transaction.
public struct AppointmentReminders: Sendable {
    let directory: TenantDirectory
    let outbox: Outbox
    let pool: ConnectionPool
    let repositories: Repositories
    let tenants: any TenantStore

    /// Sends what is due; returns how many reminder emails were queued.
    @discardableResult
    public func send(now: Date = Date()) async throws -> Int {
        var queued = 0
        for tenantID in try await DueWork(pool: pool).reminders(now: now) {
            guard let tenant = try await tenants.tenant(id: tenantID), tenant.status == .active else { continue }
            let resolved = try await directory.resolved(tenant)
            // The mail's times, and its "today" or "tomorrow", are the tenant's.
            queued += try await DisplayDate.$current.withValue(resolved.dates()) {
                try await pool.withTenant(tenant.id) { tx in
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
                        let members = try await repositories.customers.members(of: appointment.organizationId, in: tx)
                        for member in members where member.status == .active {
                            var values = AppointmentMail.values(appointment, tenant: resolved)
                            values["day"] = MailText(key: "email.appointment_reminder.\(Self.day(of: appointment.startsAt, now: now))")
                            let sent = try await SubscriberMail(outbox: outbox).send(
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
    /// `note`: as staff wrote it; `cancelledBecause`: the reason of a cancellation, which the
    /// email introduces in the recipient's language.
    static func values(
        _ appointment: Appointment, tenant: ResolvedTenant, technician: String? = nil, note: String? = nil, cancelledBecause: String? = nil
    ) -> [String: any Sendable] {
        // Names and the window are written in each recipient's language when the email renders.
        let (kind, status, start, end) = (appointment.kind, appointment.status, appointment.startsAt, appointment.endsAt)
        var values: [String: any Sendable] = [
            "kind": MailText { kind.label.lowercased() },
            "when": MailText { DisplayDate.window(start, end) },
            "address": appointment.address,
            "status": MailText { status.label.lowercased() },
            "actionUrl": tenant.url(PortalRoutes.appointment(appointment.id)),
        ]
        if let technician { values["technician"] = technician }
        if let note, !note.isEmpty { values["note"] = note }
        if let cancelledBecause, !cancelledBecause.isEmpty {
            values["note"] = MailText(key: "email.appointment.cancelledNote", ["reason": cancelledBecause])
        }
        return values
    }

    /// What a notice to staff about a visit names: the subscriber, the visit's kind and window.
    static func noticeValues(_ appointment: Appointment, customer: String) -> [String: any Sendable] {
        let (kind, start, end) = (appointment.kind, appointment.startsAt, appointment.endsAt)
        return ["customer": customer, "kind": MailText { kind.label.lowercased() }, "when": MailText { DisplayDate.window(start, end) }]
    }
}
