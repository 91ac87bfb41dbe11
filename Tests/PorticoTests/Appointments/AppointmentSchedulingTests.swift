import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: scheduling, editing and cancelling visits")
struct AppointmentSchedulingTests: AppointmentScenario {
    // MARK: Create

    @Test(
        "scheduling a visit: bad dates, end before start, long windows, the past, another account's work order and another tenant's technician are refused and nothing is written; a good one is stored, audited, emailed once and shown in the portal"
    )
    func create() async throws {
        let world = try await world()
        let stranger = try await TestTenant.create()
        let foreignTechnician = try await stranger.staff(role: .technician)
        let date = TestDates.day(10)
        let good = [
            "account": world.organization.accountNumber, "work_order": "\(world.order.number)", "kind": "install", "status": "proposed",
            "technician_id": world.technician.id.uuidString.lowercased(), "date": date, "start": "09:00", "end": "12:00",
            "notes": "Please keep the dog inside",
        ]
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let refused: [([String: String], String)] = [
                (["date": "31/12/2030"], "Use a date like"),
                (["date": "2030-02-30"], "Use a date like"),
                (["start": "25:00"], "Use a start time like"),
                (["end": "08:00"], "The end must be after the start."),
                (["end": "09:05"], "at least 15 minutes"),
                (["start": "06:00", "end": "20:00"], "at most 12 hours"),
                (["date": TestDates.day(-2)], "Choose a time in the future."),
                (["date": TestDates.day(900)], "within the next two years"),
                (["work_order": "\(world.otherOrder.number)"], "is not one of this subscriber&#39;s work orders"),
                (["work_order": "999999"], "is not one of this subscriber&#39;s work orders"),
                (["technician_id": foreignTechnician.id.uuidString.lowercased()], "Choose an active member of your team"),
                (["account": "no-such-account"], "No subscriber has the account number"),
                (["kind": "party"], "Choose the kind of visit"),
            ]
            for (change, message) in refused {
                try await console.get("/admin/appointments/new")
                let response = try await console.post("/admin/appointments", good.merging(change) { $1 })
                #expect(response.status == .unprocessableContent, "\(change)")
                #expect(
                    response.body.contains(message) || response.body.contains(message.replacingOccurrences(of: "&#39;", with: "'")),
                    "\(change): \(message)")
                #expect(response.body.contains("href=\"#field-"), "the summary links to the field")
            }
            let count = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM appointments", as: Int.self) }
            #expect(count == 0, "refused input writes nothing")
            #expect(try await outboxCount(world) == 0)

            let form = try await console.get("/admin/appointments/new?account=\(world.organization.accountNumber)&work_order=\(world.order.number)")
            #expect(form.body.contains("value=\"\(world.organization.accountNumber)\""))
            let created = try await console.post("/admin/appointments", good)
            #expect(created.status == .seeOther || created.status == .found)
            let location = try #require(created.header("Location"))
            let page = try await console.get(location)
            #expect(page.body.contains("Visit scheduled. The subscriber is told."))
            #expect(page.body.contains("Terry Tech"))
            #expect(page.body.contains("/admin/work-orders/\(world.order.number)"))

            let row = try #require(
                try await world.tenant.transaction { tx in
                    try await Repositories.postgres.appointments.list(organization: world.organization.id, from: nil, to: nil, in: tx).first
                })
            #expect(row.status == .proposed)
            #expect(row.kind == .install)
            #expect(row.workOrderId == world.order.id)
            #expect(row.technicianId == world.technician.id)
            #expect(row.startsAt == Self.at("\(date)T09:00:00Z"))
            #expect(row.address == "1 Test Lane", "a blank address takes the account's service address")
            #expect(try await auditActions(world) == ["appointment.created"])
            #expect(try await outboxCount(world) == 1)
            #expect(try await mailKinds(world) == ["appointment_proposed"])

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let portal = try await subscriber.get("/portal/appointments/\(row.id.uuidString.lowercased())")
            #expect(portal.body.contains("Please keep the dog inside"))
            #expect(portal.body.contains("Confirm this visit"))
            #expect(portal.body.contains("data-live-source=\"/portal/events\""))

            // Booked as already confirmed: the confirmation email instead.
            try await console.get("/admin/appointments/new")
            var confirmed = good
            confirmed["status"] = "confirmed"
            confirmed["work_order"] = ""
            confirmed["date"] = TestDates.day(11)
            #expect(try await console.post("/admin/appointments", confirmed).status == .seeOther)
            #expect(try await mailKinds(world) == ["appointment_proposed", "appointment_confirmed"])
        }
    }

    // MARK: Edit and cancel

    @Test(
        "editing moves a confirmed visit back to proposed with one 'changed' email; stale versions and closed visits are refused; cancelling needs a reason that reaches the subscriber"
    )
    func editAndCancel() async throws {
        let world = try await world()
        let visit = try await appointment(world, status: .confirmed, technician: world.technician.id)
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(path(visit))
            let newDate = TestDates.day(7)
            var fields = [
                "version": "\(visit.version)", "kind": "repair", "date": newDate, "start": "13:00", "end": "15:00",
                "technician_id": world.otherTechnician.id.uuidString.lowercased(), "address": "1 Test Lane", "notes": "Bring a ladder",
                "work_order": "\(world.order.number)",
            ]
            let bad = try await console.post(path(visit), fields.merging(["end": "12:00"]) { $1 })
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("The end must be after the start."))
            let foreignOrder = try await console.post(path(visit), fields.merging(["work_order": "\(world.otherOrder.number)"]) { $1 })
            #expect(foreignOrder.status == .unprocessableContent)
            #expect(try await stored(world, visit.id).version == visit.version, "refused edits change nothing")

            let saved = try await console.post(path(visit), fields)
            #expect(saved.status == .ok)
            #expect(saved.body.contains("Saved. The subscriber is told and asked to confirm."))
            let after = try await stored(world, visit.id)
            #expect(after.status == .proposed)
            #expect(after.startsAt == Self.at("\(newDate)T13:00:00Z"))
            #expect(after.technicianId == world.otherTechnician.id)
            #expect(after.workOrderId == world.order.id)
            #expect(after.notes == "Bring a ladder")
            #expect(try await mailKinds(world) == ["appointment_changed"])
            #expect(try await auditActions(world) == ["appointment.updated"])

            // The same form again: nothing changes, nobody is emailed.
            fields["version"] = "\(after.version)"
            let same = try await console.post(path(visit), fields)
            #expect(same.body.contains("Nothing changed."))
            #expect(try await outboxCount(world) == 1)

            let stale = try await console.post(path(visit), fields.merging(["version": "\(visit.version)", "notes": "Stale"]) { $1 })
            #expect(stale.status == .conflict)
            #expect(stale.body.contains("changed by someone else"))

            let noReason = try await console.post("\(path(visit))/cancel", ["version": "\(after.version)", "reason": "  "])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.body.contains("Give a reason for the cancellation"))
            #expect(try await stored(world, visit.id).status == .proposed)
            let cancelled = try await console.post(
                "\(path(visit))/cancel", ["version": "\(after.version)", "reason": "The tower is down for repairs"])
            #expect(cancelled.body.contains("Visit cancelled."))
            let gone = try await stored(world, visit.id)
            #expect(gone.status == .cancelled)
            #expect(gone.cancelReason == "The tower is down for repairs")
            #expect(try await mailKinds(world) == ["appointment_changed", "appointment_changed"])
            let mail = try #require(try await TestMailbox.latest(to: world.customer.email, tenant: world.tenant.id, kind: "appointment_changed"))
            #expect(mail.text.contains("Cancelled: The tower is down for repairs"))
            #expect(try await auditActions(world) == ["appointment.updated", "appointment.cancelled"])

            fields["version"] = "\(gone.version)"
            #expect(try await console.post(path(visit), fields.merging(["notes": "Late edit"]) { $1 }).status == .conflict)
            #expect(try await console.post("\(path(visit))/cancel", ["version": "\(gone.version)", "reason": "again"]).status == .conflict)
            #expect(try await outboxCount(world) == 2)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            #expect(
                try await subscriber.get("/portal/appointments/\(visit.id.uuidString.lowercased())").body.contains("The tower is down for repairs"))
        }
    }
}
