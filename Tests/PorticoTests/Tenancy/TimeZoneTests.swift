import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// Every time a person sees or types is in the tenant's zone (or a staff member's own in the
/// console), across the nights the clocks change: America/Chicago springs forward on
/// 2026-03-08 and 2027-03-14 and falls back on 2026-11-01 and 2027-11-07; Europe/Madrid on
/// 2026-03-29 / 2026-10-25.
@Suite("Time zones")
struct TimeZoneTests {
    static let chicago = TimeZone(identifier: "America/Chicago")!
    static let madrid = TimeZone(identifier: "Europe/Madrid")!

    static func at(_ text: String) -> Date { ISODates.parse(text)! }

    // MARK: Reading typed times

    @Test("a wall-clock time reads as its instant in the zone; a skipped time is refused; a repeated one is its first occurrence")
    func readsLocalTimes() {
        let cases: [(TimeZone, (Int, Int, Int, Int, Int), LocalTime.Reading)] = [
            // Spring forward: 02:00 → 03:00.
            (Self.chicago, (2026, 3, 8, 1, 30), .instant(Self.at("2026-03-08T07:30:00Z"))),
            (Self.chicago, (2026, 3, 8, 2, 30), .skipped),
            (Self.chicago, (2026, 3, 8, 3, 0), .instant(Self.at("2026-03-08T08:00:00Z"))),
            // Fall back: 01:00–02:00 happens twice; the first (CDT, -5) counts.
            (Self.chicago, (2026, 11, 1, 1, 30), .instant(Self.at("2026-11-01T06:30:00Z"))),
            (Self.chicago, (2026, 11, 1, 2, 30), .instant(Self.at("2026-11-01T08:30:00Z"))),
            (Self.madrid, (2026, 3, 29, 2, 30), .skipped),
            (Self.madrid, (2026, 3, 29, 9, 0), .instant(Self.at("2026-03-29T07:00:00Z"))),
            (Self.madrid, (2026, 10, 25, 2, 30), .instant(Self.at("2026-10-25T00:30:00Z"))),
            (Self.madrid, (2026, 10, 25, 9, 0), .instant(Self.at("2026-10-25T08:00:00Z"))),
            (DateFormats.utc, (2026, 3, 8, 2, 30), .instant(Self.at("2026-03-08T02:30:00Z"))),
        ]
        for (zone, t, expected) in cases {
            #expect(LocalTime.read(year: t.0, month: t.1, day: t.2, hour: t.3, minute: t.4, in: zone) == expected, "\(zone.identifier) \(t)")
        }
    }

    @Test("a skipped time typed into a form is a validation error naming the field, the time and the zone")
    func skippedTimeIsAFormError() throws {
        let error = #expect(throws: AppError.self) {
            try DateInput.time("2026-03-08", "02:30", field: "start", zone: Self.chicago)
        }
        #expect(error?.kind == .validation)
        #expect(error?.fields["start"]?.contains("2026-03-08 02:30 does not exist in America/Chicago") == true)
        #expect(try DateInput.time("2026-03-08", "25:00", field: "start", zone: Self.chicago) == nil)
    }

    // MARK: Showing times

    @Test("times show in the zone with its short name; a window across the fall-back hour names both ends; UTC never shows")
    func displaysInZone() {
        let chicago = DisplayDate(zone: Self.chicago)
        #expect(chicago.dateTime(Self.at("2026-03-08T07:30:00Z")) == "2026-03-08 01:30 CST")
        #expect(chicago.dateTime(Self.at("2026-03-08T08:00:00Z")) == "2026-03-08 03:00 CDT")
        #expect(chicago.window(Self.at("2026-03-09T14:00:00Z"), Self.at("2026-03-09T17:00:00Z")) == "Mon 9 Mar 2026, 09:00–12:00 CDT")
        #expect(chicago.window(Self.at("2026-11-01T06:30:00Z"), Self.at("2026-11-01T07:15:00Z")) == "Sun 1 Nov 2026, 01:30 CDT–01:15 CST")
        #expect(chicago.iso(Self.at("2026-11-01T07:15:00Z")) == "2026-11-01T01:15:00-06:00")
        let madrid = DisplayDate(zone: Self.madrid)
        #expect(madrid.time(Self.at("2026-10-25T00:30:00Z")).hasPrefix("02:30 "))
        #expect(madrid.time(Self.at("2026-10-25T01:30:00Z")).hasPrefix("02:30 "))
        #expect(madrid.time(Self.at("2026-10-25T00:30:00Z")) != madrid.time(Self.at("2026-10-25T01:30:00Z")), "the two 02:30s are told apart")
        #expect(madrid.iso(Self.at("2026-10-25T00:30:00Z")) == "2026-10-25T02:30:00+02:00")
        let utc = DisplayDate(zone: DateFormats.utc)
        for text in [utc.dateTime(Date()), utc.time(Date()), utc.window(Date(), Date().addingTimeInterval(3600))] {
            #expect(!text.contains("UTC"), "\(text)")
        }
    }

    @Test("formats are built once per zone and locale and shared")
    func formatsCached() {
        let first = DateFormats.local(Self.chicago, .portico)
        let second = DateFormats.local(TimeZone(identifier: "America/Chicago")!, Locale(identifier: "en_US"))
        #expect(first.zone == second.zone && first.locale == second.locale)
        #expect(first.dayTime.format(Self.at("2026-01-01T00:00:00Z")) == "2025-12-31 18:00")
    }

    // MARK: Reminders

    @Test("a reminder says today or tomorrow by the tenant's calendar, not UTC's")
    func reminderDay() {
        let chicago = DisplayDate(zone: Self.chicago), madrid = DisplayDate(zone: Self.madrid)
        // 20:00 CST on 7 Mar; the visit is 09:00 CDT on 8 Mar (both on 8 Mar in UTC).
        #expect(AppointmentReminders.day(of: Self.at("2026-03-08T14:00:00Z"), now: Self.at("2026-03-08T02:00:00Z"), in: chicago) == "tomorrow")
        // 17:00 CST on 1 Nov; the visit is 19:00 CST the same evening (2 Nov in UTC).
        #expect(AppointmentReminders.day(of: Self.at("2026-11-02T01:00:00Z"), now: Self.at("2026-11-01T23:00:00Z"), in: chicago) == "today")
        // 08:00 CET on 25 Oct, after the clocks went back; the visit is 18:00 that day.
        #expect(AppointmentReminders.day(of: Self.at("2026-10-25T17:00:00Z"), now: Self.at("2026-10-25T07:00:00Z"), in: madrid) == "today")
        #expect(AppointmentReminders.day(of: Self.at("2026-03-30T07:00:00Z"), now: Self.at("2026-03-29T21:00:00Z"), in: madrid) == "tomorrow")
    }

    @Test("the reminder job writes the visit's time in the tenant's zone, and says today for a same-day visit")
    func reminderMail() async throws {
        let tenant = try await TestTenant.create(timeZone: "America/Chicago")
        let (organization, customer) = try await tenant.subscriber()
        // Sent at 17:00 CST on 1 Nov 2026 for a visit at 19:00–20:00 CST that evening.
        let now = Self.at("2026-11-01T23:00:00Z")
        try await tenant.transaction { tx in
            _ = try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: organization.id, kind: .repair, startsAt: Self.at("2026-11-02T01:00:00Z"),
                    endsAt: Self.at("2026-11-02T02:00:00Z"),
                    status: .confirmed, address: "1 Test Lane"), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            try await app.dependencies.appointmentReminders.send(now: now)
            let mail = try #require(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "appointment_reminder"))
            #expect(mail.subject == "Reminder: visit today, Sun 1 Nov 2026, 19:00–20:00 CST")
            #expect(!mail.subject.contains("UTC"))
        }
    }

    // MARK: Pages and forms

    struct World {
        let tenant: TestTenant
        let admin: StaffUser
        let agent: StaffUser
        let organization: Organization
        let customer: Customer
    }

    func world(_ zone: String = "America/Chicago") async throws -> World {
        let tenant = try await TestTenant.create(timeZone: zone)
        let admin = try await tenant.staff(role: .admin, name: "Ada Admin")
        let agent = try await tenant.staff(role: .agent, name: "Avery Agent")
        let (organization, customer) = try await tenant.signInableSubscriber(name: "Sam Subscriber")
        return World(tenant: tenant, admin: admin, agent: agent, organization: organization, customer: customer)
    }

    @Test(
        "staff type a visit window in the tenant's zone: a spring-forward gap is a 422 that writes nothing; a good window is stored as its instant and shown with CDT"
    )
    func visitWindowInput() async throws {
        let world = try await world()
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(world.agent.email)
            try await console.get("/admin/appointments/new")
            let form = [
                "account": world.organization.accountNumber, "kind": "repair", "status": "proposed", "date": "2027-03-14", "start": "02:30",
                "end": "04:00",
            ]
            let refused = try await console.post("/admin/appointments", form)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("2027-03-14 02:30 does not exist in America/Chicago"))
            #expect(refused.body.contains("From (America/Chicago)"))
            #expect(try await world.tenant.transaction { tx in try await tx.scalar("SELECT count(*)::int FROM appointments", as: Int.self) } == 0)

            try await console.get("/admin/appointments/new")
            let created = try await console.post("/admin/appointments", form.merging(["start": "09:00", "end": "12:00"]) { $1 })
            #expect(created.status == .seeOther)
            let stored = try await world.tenant.transaction { tx in
                try await tx.first("SELECT starts_at, ends_at FROM appointments")!
            }
            #expect(try stored.decode("starts_at", as: Date.self) == Self.at("2027-03-14T14:00:00Z"))
            #expect(try stored.decode("ends_at", as: Date.self) == Self.at("2027-03-14T17:00:00Z"))
            let page = try await console.get(try #require(created.header("Location")))
            #expect(page.body.contains("Sun 14 Mar 2027, 09:00–12:00 CDT"))
            #expect(page.body.contains("value=\"09:00\""), "the edit form shows the local time back")
            #expect(!page.body.contains("UTC"))
            // The day view of that Sunday (a 23-hour day) holds it.
            let day = try await console.get("/admin/appointments?view=day&date=2027-03-14")
            #expect(day.body.contains("09:00–12:00"))
            #expect(day.body.contains("Times are in America/Chicago."))
        }
    }

    @Test("an admin sets the tenant's zone in settings: an unknown one is refused naming it; others can't; the portal then shows times in it")
    func tenantSetting() async throws {
        let world = try await world("UTC")
        let start = Self.at("2027-11-07T15:00:00Z")
        let appointment = try await world.tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: world.organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(7200),
                    status: .confirmed, address: "1 Test Lane"), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let agent = Browser(app: app, host: world.tenant.host)
            try await agent.signInStaff(world.agent.email)
            #expect(try await agent.get("/admin/settings/time-zone").status == .forbidden)

            let admin = Browser(app: app, host: world.tenant.host)
            try await admin.signInStaff(world.admin.email)
            #expect(try await admin.get("/admin/settings/time-zone").body.contains("autocomplete=\"off\" value=\"UTC\""))
            let refused = try await admin.post("/admin/settings/time-zone", ["time_zone": "Europe/Atlantis"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("“Europe/Atlantis” is not a time zone this server knows"))
            #expect(try await PostgresTenantStore(pool: app.dependencies.pool).tenant(id: world.tenant.id)?.timeZone == "UTC")

            try await admin.get("/admin/settings/time-zone")
            let saved = try await admin.post("/admin/settings/time-zone", ["time_zone": "America/Chicago"])
            #expect(saved.status == .seeOther)
            #expect(try await PostgresTenantStore(pool: app.dependencies.pool).tenant(id: world.tenant.id)?.timeZone == "America/Chicago")
            let actions = try await world.tenant.transaction { tx in
                try await tx.rows("SELECT action FROM audit_events").map { try $0.decode("action", as: String.self) }
            }
            #expect(actions.contains("settings.time_zone_changed"))

            // The first Sunday of November 2027: 15:00Z is 09:00 CST (after the clocks went back).
            let customer = world.customer
            let portal = Browser(app: app, host: world.tenant.host)
            try await portal.signInCustomer(customer.email)
            let page = try await portal.get("/portal/appointments/\(appointment.id.uuidString.lowercased())")
            #expect(page.body.contains("Sun 7 Nov 2027, 09:00–11:00 CST"))
            #expect(page.body.contains("Times are in America/Chicago."))
            #expect(!page.body.contains("UTC"))
        }
    }

    @Test("a staff member's own zone overrides the tenant's in their console only; an unknown one is refused")
    func staffOverride() async throws {
        let world = try await world()
        let start = Self.at("2027-06-01T14:00:00Z")
        let appointment = try await world.tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: world.organization.id, kind: .install, startsAt: start, endsAt: start.addingTimeInterval(3600),
                    status: .confirmed, address: "1 Test Lane"), in: tx)
        }
        let path = "/admin/appointments/\(appointment.id.uuidString.lowercased())"
        try await TestApp.with { (app: TestApp) async throws in
            let agent = Browser(app: app, host: world.tenant.host)
            try await agent.signInStaff(world.agent.email)
            try await agent.get("/admin/account")
            let refused = try await agent.post("/admin/account/time-zone", ["time_zone": "Moon/Tranquility"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body.contains("“Moon/Tranquility” is not a time zone this server knows"))
            try await agent.get("/admin/account")
            #expect(try await agent.post("/admin/account/time-zone", ["time_zone": "Europe/Madrid"]).status == .seeOther)

            // 14:00Z on 1 Jun 2027: 16:00 in Madrid for the agent, 09:00 CDT for the admin.
            let mine = try await agent.get(path)
            #expect(mine.body.contains("Tue 1 Jun 2027, 16:00–17:00"))
            #expect(mine.body.contains("value=\"16:00\""))
            let admin = Browser(app: app, host: world.tenant.host)
            try await admin.signInStaff(world.admin.email)
            #expect(try await admin.get(path).body.contains("Tue 1 Jun 2027, 09:00–10:00 CDT"))

            // Back to the tenant's.
            try await agent.get("/admin/account")
            #expect(try await agent.post("/admin/account/time-zone", ["time_zone": ""]).status == .seeOther)
            #expect(try await agent.get(path).body.contains("Tue 1 Jun 2027, 09:00–10:00 CDT"))
        }
    }

    @Test("date filters are the reader's days: an event at 21:00 on 31 Dec in Chicago (03:00 on 1 Jan in UTC) is on the 31st")
    func dateFiltersAreLocalDays() async throws {
        let world = try await world()
        try await world.tenant.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO audit_events (tenant_id, occurred_at, actor_kind, action) VALUES (\(tx.tenant), '2027-01-01T03:00:00Z', 'system', 'test.late_evening')
                """)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = Browser(app: app, host: world.tenant.host)
            try await admin.signInStaff(world.admin.email)
            let evening = try await admin.get("/admin/audit?from=2026-12-31&to=2026-12-31")
            #expect(evening.body.contains("test.late_evening"))
            #expect(evening.body.contains("2026-12-31 21:00 CST"))
            #expect(!(try await admin.get("/admin/audit?from=2027-01-01&to=2027-01-01").body.contains("test.late_evening")))
        }
    }

    // MARK: Files

    @Test("the .ics download and the calendar feed parse with Python's icalendar, exact instants, the zone named, a multi-line note intact")
    func calendarFiles() async throws {
        let world = try await world("Europe/Madrid")
        let customer = world.customer
        let start = Self.at("2027-10-31T01:30:00Z")  // 02:30 CEST, the first of Madrid's two 02:30s that night
        let appointment = try await world.tenant.transaction { tx in
            try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: world.organization.id, kind: .repair, startsAt: start, endsAt: start.addingTimeInterval(7200),
                    status: .confirmed, address: "Calle Mayor 1, Madrid",
                    notes: "Código de la verja 4411\r\nPerro en el patio; llamar primero,\nluego esperar"), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let portal = Browser(app: app, host: world.tenant.host)
            try await portal.signInCustomer(customer.email)
            let download = try await portal.get("/portal/appointments/\(appointment.id.uuidString.lowercased()).ics")
            #expect(download.status == .ok)
            try await portal.get("/portal/appointments")
            let page = try await portal.post("/portal/appointments/feed")
            let url = try #require(Browser.firstMatch(in: page.body, after: "<code class=\"break\">", until: "<"))
            let feed = try await app.get(try #require(URLComponents(string: url)?.path), host: world.tenant.host)
            #expect(feed.status == .ok)

            for file in [download.body, feed.body] {
                let parsed = try await ICSInspection.inspect(file)
                #expect(parsed.timeZone == "Europe/Madrid")
                #expect(parsed.timezones.isEmpty, "UTC instants need no VTIMEZONE")
                let event = try #require(parsed.events.first { $0.uid.hasPrefix(appointment.id.uuidString.lowercased()) })
                #expect(event.start == "2027-10-31T01:30:00+00:00")
                #expect(event.end == "2027-10-31T03:30:00+00:00")
                #expect(event.location == "Calle Mayor 1, Madrid")
                #expect(event.description.hasPrefix("Código de la verja 4411\nPerro en el patio; llamar primero,\nluego esperar\nDetails: "))
            }
        }
    }

    @Test("CSV exports start with a UTF-8 BOM and write times with the tenant's offset; the export imports back")
    func csvExports() async throws {
        let world = try await world()
        try await world.tenant.transaction { tx in
            try await tx.execute("UPDATE organizations SET name = 'Peña Ñandú household' WHERE id = \(world.organization.id)")
            _ = try await Repositories.postgres.appointments.create(
                NewAppointment(
                    organizationId: world.organization.id, kind: .repair, startsAt: Self.at("2027-11-07T07:30:00Z"),
                    endsAt: Self.at("2027-11-07T09:00:00Z"),
                    status: .confirmed, address: "1 Test Lane"), in: tx)
        }
        try await TestApp.with { (app: TestApp) async throws in
            let admin = Browser(app: app, host: world.tenant.host)
            try await admin.signInStaff(world.admin.email)
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            for path in [
                "/admin/export/organizations.csv", "/admin/export/appointments.csv", "/admin/audit.csv", "/admin/reports/work-orders-weekly.csv",
            ] {
                let response = try await admin.get(path)
                #expect(response.status == .ok, "\(path)")
                #expect(Array(response.bytes.prefix(3)) == bom, "\(path) starts with a BOM")
            }
            // 07:30Z on 7 Nov 2027 is 01:30 CST, after the clocks went back (−06:00).
            let appointments = try await admin.get("/admin/export/appointments.csv")
            #expect(appointments.body.contains("2027-11-07T01:30:00-06:00,2027-11-07T03:00:00-06:00,"))
            #expect(!appointments.body.contains("Z,"))
            let audit = try await admin.get("/admin/audit.csv")
            #expect(audit.body.contains("-06:00,") || audit.body.contains("-05:00,"))

            // Export → import into another tenant: the BOM is read as one, the accented name survives.
            let target = try await TestTenant.create()
            let targetAdmin = try await CSVTesting.admin(app, target)
            let organizations = try await admin.get("/admin/export/organizations.csv")
            let id = try await CSVTesting.upload(targetAdmin, organizations.bytes)
            let result = CSVTesting.totals(try await CSVTesting.run(targetAdmin, id: id, mode: "import").body)
            #expect(result["errors"] == 0)
            #expect(result["created"] == 1)
            let names = try await target.transaction { tx in
                try await tx.rows("SELECT name FROM organizations").map { try $0.decode("name", as: String.self) }
            }
            #expect(names == ["Peña Ñandú household"])
        }
    }
}
