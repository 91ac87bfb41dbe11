import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Staff: appointments and tasks")
struct AdminAppointmentTests {
    /// A tenant with an admin, an agent, two technicians, a subscriber with work order #1001,
    /// and a second subscriber account with work order #1002.
    struct World {
        let tenant: TestTenant
        let admin: StaffUser
        let agent: StaffUser
        let technician: StaffUser
        let otherTechnician: StaffUser
        let organization: Organization
        let customer: Customer
        let order: WorkOrder
        let otherOrganization: Organization
        let otherCustomer: Customer
        let otherOrder: WorkOrder
    }

    func world() async throws -> World {
        let tenant = try await TestTenant.create()
        let staff = try await tenant.staffCast()
        let otherTechnician = try await tenant.staff(role: .technician, name: "Olly Other")
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Sam Subscriber")
        let (otherOrganization, otherCustomer) = try await tenant.signInableSubscriber(name: "Nora Neighbour")
        let (order, otherOrder) = try await tenant.transaction { tx in
            (
                try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: organization.id, title: "Mount the dish", status: .approved),
                    by: Actor(kind: .customer, id: customer.id, name: customer.name), in: tx),
                try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: otherOrganization.id, title: "Neighbour's order", status: .approved),
                    by: Actor(kind: .customer, id: otherCustomer.id, name: otherCustomer.name), in: tx)
            )
        }
        return World(
            tenant: tenant, admin: staff.admin, agent: staff.agent, technician: staff.technician, otherTechnician: otherTechnician,
            organization: organization, customer: customer, order: order, otherOrganization: otherOrganization, otherCustomer: otherCustomer,
            otherOrder: otherOrder)
    }

    func console(_ app: TestApp, _ world: World, as staff: StaffUser? = nil) async throws -> Browser {
        let console = Browser(app: app, host: world.tenant.host)
        try await console.signInStaff((staff ?? world.agent).email)
        return console
    }

    static func at(_ text: String) -> Date { ISODates.parse(text)! }

    func appointment(
        _ world: World, days: Int = 5, hour: Int = 9, status: AppointmentStatus = .proposed, technician: UUID? = nil,
        organization: UUID? = nil
    ) async throws -> Appointment {
        let start = Self.at("\(TestDates.day(days))T\(String(format: "%02d", hour)):00:00Z")
        return try await world.tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: organization ?? world.organization.id, kind: .repair, startsAt: start, endsAt: start.addingTimeInterval(3 * 3600),
                    technicianId: technician, status: status, address: "1 Test Lane"), in: tx)
        }
    }

    func path(_ appointment: Appointment) -> String { "/admin/appointments/\(appointment.id.uuidString.lowercased())" }

    func outboxCount(_ world: World) async throws -> Int {
        try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM outbox", as: Int.self) ?? 0 }
    }

    func auditActions(_ world: World) async throws -> [String] {
        try await world.tenant.transaction { tx in
            try await tx.rows("SELECT action FROM audit_events WHERE target_kind IN ('appointment', 'task') ORDER BY id").map {
                try $0.decode("action", as: String.self)
            }
        }
    }

    func stored(_ world: World, _ id: UUID) async throws -> Appointment {
        try #require(
            try await world.tenant.transaction { tx in try await Repositories.postgres.appointments.find(id: id, organization: nil, in: tx) })
    }

    func mailKinds(_ world: World, to customer: Customer? = nil) async throws -> [String] {
        try await TestMailbox.messages(to: (customer ?? world.customer).email, tenant: world.tenant.id).map(\.kind)
    }

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

    // MARK: Tasks

    @Test("tasks from /admin/tasks: validation, one email to the member named (or the owners), audited, listed open then done")
    func tasks() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = try await console(app, world)
            try await console.get("/admin/tasks")
            let base = ["account": world.organization.accountNumber, "task_title": "Clear the roof access", "task_due": TestDates.day(5)]
            let refused: [([String: String], String)] = [
                (["account": ""], "Enter the subscriber&#39;s account number"),
                (["account": "nope"], "No subscriber has the account number"),
                (["task_title": " "], "Say what the subscriber should do"),
                (["task_due": "soon"], "Use a date like"),
                (["task_due": TestDates.day(-3)], "Choose today or a later date."),
                (["task_customer": world.otherCustomer.email], "No member of"),
                (["task_work_order": "\(world.otherOrder.number)"], "is not one of this subscriber&#39;s work orders"),
            ]
            for (change, message) in refused {
                let response = try await console.post("/admin/tasks", base.merging(change) { $1 })
                #expect(response.status == .unprocessableContent, "\(change)")
                #expect(
                    response.body.contains(message) || response.body.contains(message.replacingOccurrences(of: "&#39;", with: "'")),
                    "\(change): \(message)")
            }
            let none = try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM tasks", as: Int.self) }
            #expect(none == 0)
            #expect(try await outboxCount(world) == 0)

            let created = try await console.post(
                "/admin/tasks", base.merging(["task_customer": world.customer.email, "task_work_order": "\(world.order.number)"]) { $1 })
            #expect(created.status == .ok)
            #expect(created.body.contains("The subscriber is told."))
            #expect(created.body.contains("Clear the roof access"))
            #expect(try await outboxCount(world) == 1)
            #expect(try await mailKinds(world) == ["task_assigned"])
            #expect(try await auditActions(world) == ["task.created"])
            let row = try #require(
                try await world.tenant.transaction { tx in
                    try await Repositories.postgres.tasks.list(organization: world.organization.id, status: nil, in: tx).first
                })
            #expect(row.customerId == world.customer.id)
            #expect(row.workOrderId == world.order.id)
            #expect(row.dueDate == TestDates.day(5))

            // For the whole account: the owner hears.
            try await console.post("/admin/tasks", ["account": world.otherOrganization.accountNumber, "task_title": "Trim the tree"])
            #expect(try await mailKinds(world, to: world.otherCustomer) == ["task_assigned"])

            let filtered = try await console.get("/admin/tasks?account=\(world.otherOrganization.accountNumber)")
            #expect(filtered.body.contains("Trim the tree"))
            #expect(!filtered.body.contains("Clear the roof access"))
            #expect(try await console.get("/admin/tasks?status=maybe").status == .unprocessableContent)
            try await console.get("/admin/tasks")

            let done = try await console.post("/admin/tasks/\(row.id.uuidString.lowercased())/done")
            #expect(done.body.contains("is marked done"))
            #expect(!(try await console.get("/admin/tasks").body.contains("Clear the roof access")))
            #expect(try await console.get("/admin/tasks?status=done").body.contains("Clear the roof access"))
            #expect(try await console.post("/admin/tasks/\(row.id.uuidString.lowercased())/done").status == .conflict)

            let subscriber = Browser(app: app, host: world.tenant.host)
            try await subscriber.signInCustomer(world.otherCustomer.email)
            #expect(try await subscriber.get("/portal/tasks").body.contains("Trim the tree"))
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
