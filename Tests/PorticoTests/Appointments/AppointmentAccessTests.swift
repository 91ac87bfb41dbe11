import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: who may manage visits and tasks, and other tenants kept out")
struct AppointmentAccessTests: AppointmentScenario {
    // MARK: Roles

    @Test(
        "role matrix: agents and admins manage visits and tasks; technicians see and complete only their own; customers, strangers and other tenants' staff are kept out"
    )
    func roles() async throws {
        let world = try await world()
        let other = try await TestTenant.create()
        let foreignAdmin = try await other.staff(role: .admin)
        let own = try await appointment(world, status: .confirmed, technician: world.technician.id)
        let notOwn = try await appointment(world, days: 6, status: .confirmed, technician: world.otherTechnician.id)
        let reads = ["/admin/appointments", "/admin/appointments?view=week", path(own)]
        let agentOnlyReads = ["/admin/appointments/new", "/admin/tasks"]
        try await TestApp.with { (app: TestApp) async throws in
            for staff in [world.admin, world.agent] {
                let console = try await console(app, world, as: staff)
                for path in reads + agentOnlyReads { #expect(try await console.get(path).status == .ok, "\(staff.role) on \(path)") }
                #expect(try await console.get("/admin").body.contains("href=\"/admin/appointments\""))
                #expect(try await console.get("/admin").body.contains("href=\"/admin/tasks\""))
            }

            let technician = try await console(app, world, as: world.technician)
            for path in reads { #expect(try await technician.get(path).status == .ok, "technician on \(path)") }
            for path in agentOnlyReads { #expect(try await technician.get(path).status == .forbidden, "technician on \(path)") }
            #expect(try await technician.get(path(notOwn)).status == .notFound, "another technician's visit")
            let page = try await technician.get(path(own))
            #expect(!page.body.contains("Cancel the visit"))
            #expect(page.body.contains("Mark the visit done"))
            let posts: [(String, [String: String])] = [
                ("/admin/appointments", ["account": world.organization.accountNumber, "date": TestDates.day(3), "start": "09:00", "end": "10:00"]),
                (path(own), ["version": "1", "date": TestDates.day(3), "start": "09:00", "end": "10:00"]),
                ("\(path(own))/cancel", ["version": "1", "reason": "x"]),
                ("\(path(own))/accept", ["version": "1", "choice": "1"]),
                ("\(path(own))/propose", ["version": "1", "propose_date": TestDates.day(3), "propose_start": "09:00", "propose_end": "10:00"]),
                ("/admin/tasks", ["account": world.organization.accountNumber, "task_title": "x"]),
            ]
            for (path, fields) in posts {
                try await technician.get("/admin/appointments")
                #expect(try await technician.post(path, fields).status == .forbidden, "technician POST \(path)")
            }
            #expect(try await technician.get(path(notOwn)).status == .notFound)
            try await technician.get("/admin/appointments")
            #expect(try await technician.post("\(path(notOwn))/complete", ["version": "1"]).status == .notFound)
            try await technician.get(path(own))
            let done = try await technician.post("\(path(own))/complete", ["version": "1"])
            #expect(done.body.contains("Marked done."))
            #expect(try await stored(world, own.id).status == .completed)
            #expect(try await stored(world, notOwn.id).status == .confirmed)
            #expect(try await auditActions(world) == ["appointment.completed"])

            let customer = Browser(app: app, host: world.tenant.host)
            try await customer.signInCustomer(world.customer.email)
            let stranger = Browser(app: app, host: world.tenant.host)
            let foreign = Browser(app: app, host: other.host)
            try await foreign.signInStaff(foreignAdmin.email)
            let carried = Browser(app: app, host: world.tenant.host)
            carried.setCookie("portico_session", foreign.cookie("portico_session"))
            for (who, browser) in [("customer", customer), ("anonymous", stranger), ("other tenant's admin", carried)] {
                for path in reads + agentOnlyReads {
                    let response = try await browser.get(path)
                    #expect(response.status == .seeOther, "\(who) on \(path)")
                    #expect(response.header("Location")?.hasPrefix("/admin/login") == true, "\(who) on \(path)")
                }
                let posted = try await browser.post("\(path(notOwn))/cancel", ["version": "1", "reason": "x"])
                #expect(posted.status.code >= 300 && posted.status != .ok, "\(who) POST cancel")
            }
            #expect(try await stored(world, notOwn.id).status == .confirmed)
        }
    }

    // MARK: Isolation

    @Test("another tenant's appointment and task ids are 404 on every route and nothing changes")
    func crossTenant() async throws {
        let mine = try await world()
        let theirs = try await world()
        let visit = try await appointment(theirs, status: .rescheduleRequested, technician: theirs.technician.id)
        let task = try await theirs.tenant.transaction { tx in
            try await Repositories.postgres.tasks.create(NewTask(organizationId: theirs.organization.id, title: "Their task"), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, mine)
            let foreign = path(visit)
            #expect(try await console.get(foreign).status == .notFound)
            #expect(try await console.get("/admin/appointments/not-a-uuid").status == .notFound)
            let posts: [(String, [String: String])] = [
                (foreign, ["version": "1", "kind": "repair", "date": TestDates.day(3), "start": "09:00", "end": "10:00"]),
                (foreign, ["version": "1", "date": "bad"]),
                ("\(foreign)/cancel", ["version": "1", "reason": "Hijacked"]),
                ("\(foreign)/cancel", ["version": "1", "reason": ""]),
                ("\(foreign)/accept", ["version": "1", "choice": "1"]),
                ("\(foreign)/propose", ["version": "1", "propose_date": TestDates.day(3), "propose_start": "09:00", "propose_end": "10:00"]),
                ("\(foreign)/complete", ["version": "1"]),
                ("/admin/tasks/\(task.id.uuidString.lowercased())/done", [:]),
            ]
            for (path, fields) in posts {
                try await console.get("/admin/appointments")
                #expect(try await console.post(path, fields).status == .notFound, "POST \(path) \(fields)")
            }
            // Their account number and technician are unknown here.
            try await console.get("/admin/appointments/new")
            let booked = try await console.post(
                "/admin/appointments", ["account": theirs.organization.accountNumber, "date": TestDates.day(3), "start": "09:00", "end": "10:00"])
            #expect(booked.status == .unprocessableContent || booked.status == .seeOther)
            let mineCount = try await mine.tenant.transaction { tx in
                try await tx.scalar("SELECT count(*)::int FROM appointments WHERE organization_id = \(theirs.organization.id)", as: Int.self)
            }
            #expect(mineCount == 0)

            let after = try await stored(theirs, visit.id)
            #expect(after.version == visit.version)
            #expect(after.status == .rescheduleRequested)
            let taskStatus = try await theirs.tenant.transaction { tx in
                try await tx.scalar("SELECT status FROM tasks WHERE id = \(task.id)", as: String.self)
            }
            #expect(taskStatus == "open")
            #expect(try await outboxCount(theirs) == 0)
            #expect(try await auditActions(theirs).isEmpty)
            #expect(!(try await console.get("/admin/appointments?status=reschedule_requested").body.contains(foreign)))
        }
    }
}
