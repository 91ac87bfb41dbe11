import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: reschedule requests")
struct RescheduleRequestTests: AppointmentScenario {
    // MARK: Reschedule requests

    @Test("a reschedule request is highlighted; accepting one of the subscriber's windows confirms it there with one email")
    func acceptRequest() async throws {
        let world = try await world()
        let visit = try await appointment(world, status: .confirmed)
        try await TestApp.with { (app: TestApp) async throws in
            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            try await subscriber.get("/portal/appointments/\(visit.id.uuidString.lowercased())")
            let first = TestDates.day(8), second = TestDates.day(9)
            let asked = try await subscriber.post(
                "/portal/appointments/\(visit.id.uuidString.lowercased())/reschedule",
                [
                    "version": "\(visit.version)", "date1": first, "start1": "08:00", "end1": "10:00", "date2": second, "start2": "14:00",
                    "end2": "16:00",
                    "note": "Mornings are hard",
                ])
            #expect(asked.body.contains("Your request is sent"))
            let requested = try await stored(world, visit.id)
            #expect(requested.status == .rescheduleRequested)

            let console = try await console(app, world)
            let calendar = try await console.get("/admin/appointments")
            #expect(calendar.body.contains("Reschedule requests waiting (1)"))
            #expect(calendar.body.contains(path(visit)))
            #expect(try await console.get("/admin/appointments?status=reschedule_requested").body.contains("appointment--attention"))
            let page = try await console.get(path(visit))
            #expect(page.body.contains("Mornings are hard"))
            #expect(page.body.contains("Accept this time"))

            let before = try await outboxCount(world)
            let wrong = try await console.post("\(path(visit))/accept", ["version": "\(requested.version)", "choice": "3"])
            #expect(wrong.status == .unprocessableContent)
            let accepted = try await console.post("\(path(visit))/accept", ["version": "\(requested.version)", "choice": "2"])
            #expect(
                accepted.body.contains("moved to the subscriber&#39;s time and confirmed")
                    || accepted.body.contains("moved to the subscriber's time and confirmed"))
            let after = try await stored(world, visit.id)
            #expect(after.status == .confirmed)
            #expect(after.startsAt == Self.at("\(second)T14:00:00Z"))
            #expect(after.endsAt == Self.at("\(second)T16:00:00Z"))
            #expect(after.rescheduleWindows.isEmpty)
            #expect(try await outboxCount(world) == before + 1)
            #expect(try await mailKinds(world) == ["appointment_confirmed"])
            // The subscriber's request is audited too (by CustomerAppointments, for the page and the API alike).
            #expect(try await auditActions(world) == ["appointment.reschedule_requested", "appointment.reschedule_accepted"])
            #expect(try await console.post("\(path(visit))/accept", ["version": "\(after.version)", "choice": "1"]).status == .conflict)
            #expect(!(try await console.get("/admin/appointments").body.contains("Reschedule requests waiting")))
        }
    }

    @Test("proposing another window emails the subscriber once; they confirm it in the portal")
    func proposeAnother() async throws {
        let world = try await world()
        let visit = try await appointment(world, status: .rescheduleRequested)
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get(path(visit))
            let date = TestDates.day(12)
            let bad = try await console.post(
                "\(path(visit))/propose", ["version": "\(visit.version)", "propose_date": date, "propose_start": "10:00", "propose_end": "09:00"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.body.contains("href=\"#field-propose_end\""))
            let past = try await console.post(
                "\(path(visit))/propose",
                ["version": "\(visit.version)", "propose_date": TestDates.day(-1), "propose_start": "10:00", "propose_end": "12:00"])
            #expect(past.status == .unprocessableContent)
            #expect(try await outboxCount(world) == 0)

            let proposed = try await console.post(
                "\(path(visit))/propose",
                [
                    "version": "\(visit.version)", "propose_date": date, "propose_start": "10:00",
                    "propose_end": "12:00", "propose_note": "Our only free slot that week",
                ])
            #expect(proposed.body.contains("New time proposed."))
            let after = try await stored(world, visit.id)
            #expect(after.status == .proposed)
            #expect(after.startsAt == Self.at("\(date)T10:00:00Z"))
            #expect(try await outboxCount(world) == 1)
            let mail = try #require(try await TestMailbox.latest(to: world.customer.email, tenant: world.tenant.id, kind: "appointment_proposed"))
            #expect(mail.text.contains("Our only free slot that week"))
            #expect(try await auditActions(world) == ["appointment.reschedule_proposed"])

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.customer.email)
            let portal = try await subscriber.get("/portal/appointments/\(visit.id.uuidString.lowercased())")
            #expect(portal.body.contains("Confirm this visit"))
            let confirmed = try await subscriber.post(
                "/portal/appointments/\(visit.id.uuidString.lowercased())/confirm", ["version": "\(after.version)"])
            #expect(confirmed.body.contains("the visit is confirmed"))
            #expect(try await stored(world, visit.id).status == .confirmed)
        }
    }
}
