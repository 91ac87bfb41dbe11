import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: the visit calendar and the pages that link to visits")
struct AppointmentCalendarTests: AppointmentScenario {
    // MARK: Calendar

    @Test("the day and week views list exactly the visits starting in their range, filtered by technician and status")
    func views() async throws {
        let world = try await world()
        // 2030-01-07 is a Monday.
        func make(_ start: String, technician: UUID? = nil, status: AppointmentStatus = .confirmed) async throws -> Appointment {
            let from = Self.at(start)
            return try await world.tenant.transaction { tx in
                try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: world.organization.id, kind: .survey, startsAt: from,
                        endsAt: from.addingTimeInterval(3600), technicianId: technician, status: status), in: tx)
            }
        }
        let sundayBefore = try await make("2030-01-06T23:30:00Z")
        let mondayMidnight = try await make("2030-01-07T00:00:00Z", technician: world.technician.id)
        let wednesday = try await make("2030-01-09T10:00:00Z", technician: world.otherTechnician.id, status: .proposed)
        let wednesdayLate = try await make("2030-01-09T23:59:00Z", technician: world.technician.id)
        let sundayLast = try await make("2030-01-13T23:00:00Z")
        let nextMonday = try await make("2030-01-14T00:00:00Z", technician: world.technician.id)
        let all = [sundayBefore, mondayMidnight, wednesday, wednesdayLate, sundayLast, nextMonday]
        func shown(_ body: String) -> Set<UUID> { Set(all.filter { body.contains(path($0)) }.map(\.id)) }

        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let week = try await console.get("/admin/appointments?view=week&date=2030-01-10")
            #expect(week.status == .ok)
            #expect(shown(week.body) == Set([mondayMidnight, wednesday, wednesdayLate, sundayLast].map(\.id)))
            #expect(week.body.contains("Week of Mon 7 Jan 2030"))
            #expect(week.body.contains("date=2029-12-31"), "previous week link")
            #expect(week.body.contains("date=2030-01-14"), "next week link")

            let day = try await console.get("/admin/appointments?view=day&date=2030-01-09")
            #expect(shown(day.body) == Set([wednesday, wednesdayLate].map(\.id)))
            #expect(day.body.contains("date=2030-01-08") && day.body.contains("date=2030-01-10"))
            let emptyDay = try await console.get("/admin/appointments?date=2030-01-08")
            #expect(shown(emptyDay.body).isEmpty)
            #expect(emptyDay.body.contains("No visits."))

            let mine = try await console.get(
                "/admin/appointments?view=week&date=2030-01-07&technician=\(world.technician.id.uuidString.lowercased())")
            #expect(shown(mine.body) == Set([mondayMidnight, wednesdayLate].map(\.id)))
            let unassigned = try await console.get("/admin/appointments?view=week&date=2030-01-07&technician=none")
            #expect(shown(unassigned.body) == Set([sundayLast.id]))
            let proposed = try await console.get("/admin/appointments?view=week&date=2030-01-07&status=proposed")
            #expect(shown(proposed.body) == Set([wednesday.id]))

            for bad in ["view=month", "date=2030-13-01", "status=sleeping", "technician=bob"] {
                #expect(try await console.get("/admin/appointments?\(bad)").status == .unprocessableContent, "\(bad)")
            }

            // Technicians see only their own, whatever they ask for.
            let technician = try await self.console(app, world, as: world.technician)
            let theirs = try await technician.get(
                "/admin/appointments?view=week&date=2030-01-07&technician=\(world.otherTechnician.id.uuidString.lowercased())")
            #expect(shown(theirs.body) == Set([mondayMidnight, wednesdayLate].map(\.id)))
            #expect(!theirs.body.contains("Schedule a visit"))
        }
    }

    // MARK: Links

    @Test("the work-order and subscriber pages list their visits and link to scheduling one")
    func links() async throws {
        let world = try await world()
        let visit = try await world.tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: world.organization.id, workOrderId: world.order.id, kind: .install, startsAt: Date().addingTimeInterval(86_400),
                    endsAt: Date().addingTimeInterval(90_000), status: .proposed), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            let order = try await console.get("/admin/work-orders/\(world.order.number)")
            #expect(order.body.contains(path(visit)))
            #expect(order.body.contains("/admin/appointments/new?account=\(world.organization.accountNumber)&amp;work_order=\(world.order.number)"))
            let account = try await console.get("/admin/customers/\(world.organization.id.uuidString.lowercased())")
            #expect(account.body.contains(path(visit)))
            #expect(account.body.contains("/admin/appointments/new?account=\(world.organization.accountNumber)"))
            let other = try await console.get("/admin/work-orders/\(world.otherOrder.number)")
            #expect(!other.body.contains(path(visit)))
        }
    }
}
