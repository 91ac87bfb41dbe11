import Foundation
import PorticoTestSupport
import Postgres
import Testing

@testable import Portico

/// Every email kind goes out in its recipient's language, whoever caused it: a tenant like the
/// demo's zenith (Spanish by default, English offered, Madrid time) mails a subscriber who never
/// chose a language in Spanish and one who chose English in English, even when the values
/// (status names, visit kinds, windows) were built while a staff member used the console in
/// English.
@Suite("Emails in the recipient's language")
struct EmailLanguageTests {
    struct World {
        let tenant: TestTenant
        let rosa: Customer
        let ed: Customer
        let organization: Organization
    }

    static func world() async throws -> World {
        let tenant = try await TestTenant.create(name: "Sierra Net", timeZone: "Europe/Madrid")
        try await PortalLanguageTests.offer(tenant, ["es", "en"])
        let (organization, rosa) = try await tenant.subscriber(name: "Rosa Díaz")
        let (_, ed) = try await tenant.subscriber(name: "Ed Baker")
        try await tenant.transaction { tx in try await tx.execute("UPDATE customers SET language = 'en' WHERE id = \(ed.id)") }
        return World(tenant: tenant, rosa: rosa, ed: ed, organization: organization)
    }

    /// Runs `body` as a request of a staff member working in English on the tenant's site would.
    static func inEnglishConsole<T: Sendable>(
        _ app: TestApp, _ tenant: TestTenant, _ body: (ResolvedTenant, TenantTransaction) async throws -> T
    ) async throws -> T {
        guard case .tenant(let resolved) = try await app.dependencies.directory.resolve(host: tenant.host) else {
            throw CancellationError()
        }
        return try await Texts.$current.withValue(app.dependencies.renderer.catalogs.texts(.en)) {
            try await DisplayDate.$current.withValue(DisplayDate(zone: TimeZone(identifier: "Europe/Madrid")!)) {
                try await tenant.transaction { tx in try await body(resolved, tx) }
            }
        }
    }

    static func contentLanguage(_ tenant: TestTenant, kind: String, to recipient: String) async throws -> String? {
        try await tenant.transaction { tx in
            try await tx.scalar(
                "SELECT content_language FROM outbox WHERE kind = \(kind) AND recipient = \(recipient.lowercased()) ORDER BY created_at DESC LIMIT 1",
                as: String.self)
        }
    }

    /// The kind's latest mail to `customer`: its subject, a greeting in the language, the
    /// HTML's `lang`, the stored `Content-Language`, and no text of the other language.
    static func check(
        _ world: World, _ kind: NotificationKind, to customer: Customer, language: String, subject: String, says: String,
        never: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let mail = try #require(
            try await TestMailbox.latest(to: customer.email, tenant: world.tenant.id, kind: kind.rawValue), sourceLocation: sourceLocation)
        #expect(mail.subject == subject, sourceLocation: sourceLocation)
        #expect(mail.text.hasPrefix(language == "es" ? "Hola, \(customer.name):" : "Hi \(customer.name),"), sourceLocation: sourceLocation)
        #expect(mail.text.contains(says), "\(kind.rawValue): \(mail.text)", sourceLocation: sourceLocation)
        #expect(mail.html?.contains(#"<html lang="\#(language)">"#) == true, sourceLocation: sourceLocation)
        for text in never {
            #expect(
                !mail.text.contains(text) && mail.html?.contains(text) != true, "\(kind.rawValue) mixes in \(text)", sourceLocation: sourceLocation)
        }
        #expect(try await contentLanguage(world.tenant, kind: kind.rawValue, to: customer.email) == language, sourceLocation: sourceLocation)
    }

    @Test("work-order emails: every kind in Spanish for Rosa and in English for Ed, status names included")
    func workOrders() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            let order = try await Self.inEnglishConsole(app, world.tenant) { resolved, tx in
                let created = try await Repositories.postgres.workOrders.create(
                    NewWorkOrder(organizationId: world.organization.id, title: "Antena caída", status: .submitted),
                    by: Actor(kind: .system, id: nil, name: "Test"), in: tx)
                try await tx.execute(
                    """
                    UPDATE work_orders SET status = 'in_progress', progress = 40, estimated_completion = '2031-11-20T10:00:00Z'
                     WHERE id = \(created.id)
                    """)
                let order = try #require(try await Repositories.postgres.workOrders.find(number: created.number, organization: nil, in: tx))
                let mail = SubscriberMail(outbox: app.dependencies.outbox)
                for kind: NotificationKind in [
                    .workOrderReceived, .workOrderApproved, .workOrderRejected, .workOrderProgress, .workOrderStatusChanged,
                    .workOrderCompleted,
                ] {
                    for customer in [world.rosa, world.ed] {
                        try await mail.send(
                            kind, to: customer, tenant: resolved, values: WorkOrderMail.values(order, tenant: resolved, reason: "Zona sin cobertura"),
                            in: tx)
                    }
                }
                for customer in [world.rosa, world.ed] {
                    try await mail.send(
                        .workOrderComment, to: customer, tenant: resolved,
                        values: WorkOrderMail.values(order, tenant: resolved, extra: ["author": "Ana", "comment": "Vamos mañana."]), in: tx)
                }
                return order
            }
            let n = order.number
            let english = ["work order", "View the work order", "Follow it here"]
            let spanish = ["solicitud", "Ver la solicitud", "Síguela aquí"]
            let expected: [(NotificationKind, String, String, String, String)] = [
                (
                    .workOrderReceived, "Hemos recibido tu solicitud #\(n): Antena caída", "Nuestro equipo la revisará",
                    "We received work order #\(n): Antena caída", "Our team will review it"
                ),
                (
                    .workOrderApproved, "Tu solicitud #\(n) está aprobada", "Calculamos terminarla el", "Work order #\(n) is approved",
                    "We expect to finish by"
                ),
                (
                    .workOrderRejected, "No hemos podido aceptar tu solicitud #\(n)", "Motivo: Zona sin cobertura",
                    "Work order #\(n) could not be accepted", "Reason: Zona sin cobertura"
                ),
                (
                    .workOrderProgress, "Novedades de tu solicitud #\(n)", "Finalización prevista:", "Update on work order #\(n)",
                    "Expected completion:"
                ),
                (
                    .workOrderStatusChanged, "Tu solicitud #\(n) ahora está: en curso", "Nota: Zona sin cobertura",
                    "Work order #\(n) is now in progress", "Note: Zona sin cobertura"
                ),
                (
                    .workOrderComment, "Nuevo mensaje sobre tu solicitud #\(n)", "Ana ha escrito sobre tu solicitud",
                    "New message about work order #\(n)",
                    "Ana wrote about your work order"
                ),
                (
                    .workOrderCompleted, "Tu solicitud #\(n) está completada", "puedes reabrirla", "Work order #\(n) is completed",
                    "you can reopen it within 14 days"
                ),
            ]
            for (kind, esSubject, esText, enSubject, enText) in expected {
                try await Self.check(world, kind, to: world.rosa, language: "es", subject: esSubject, says: esText, never: english)
                try await Self.check(world, kind, to: world.ed, language: "en", subject: enSubject, says: enText, never: spanish)
            }
        }
    }

    @Test("appointment emails: proposed, confirmed, changed (a cancellation's reason introduced in Spanish) and the reminder")
    func appointments() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            try await Self.inEnglishConsole(app, world.tenant) { resolved, tx in
                let appointment = try await Repositories.postgres.appointments.create(
                    NewAppointment(
                        organizationId: world.organization.id, kind: .repair, startsAt: Self.at("2026-12-12T08:00:00Z"),
                        endsAt: Self.at("2026-12-12T10:00:00Z"), status: .confirmed, address: "Calle Mayor 3"), in: tx)
                let mail = SubscriberMail(outbox: app.dependencies.outbox)
                for customer in [world.rosa, world.ed] {
                    try await mail.send(
                        .appointmentProposed, to: customer, tenant: resolved, values: AppointmentMail.values(appointment, tenant: resolved), in: tx)
                    try await mail.send(
                        .appointmentConfirmed, to: customer, tenant: resolved,
                        values: AppointmentMail.values(appointment, tenant: resolved, technician: "Ana"), in: tx)
                    try await mail.send(
                        .appointmentChanged, to: customer, tenant: resolved,
                        values: AppointmentMail.values(appointment, tenant: resolved, cancelledBecause: "Lluvia"), in: tx)
                    var reminder = AppointmentMail.values(appointment, tenant: resolved)
                    reminder["day"] = MailText(key: "email.appointment_reminder.tomorrow")
                    try await mail.send(.appointmentReminder, to: customer, tenant: resolved, values: reminder, in: tx)
                }
            }
            let english = ["visit on", "View the appointment", "Note:", "Please"]
            let spanish = ["visita", "Ver la cita", "Nota:"]
            try await Self.check(
                world, .appointmentProposed, to: world.rosa, language: "es", subject: try await Self.subject(world, .appointmentProposed, world.rosa),
                says: "te proponemos una visita de reparación el", never: english)
            try await Self.check(
                world, .appointmentConfirmed, to: world.rosa, language: "es",
                subject: try await Self.subject(world, .appointmentConfirmed, world.rosa),
                says: "en Calle Mayor 3 está confirmada. Te atenderá: Ana.", never: english)
            try await Self.check(
                world, .appointmentChanged, to: world.rosa, language: "es", subject: try await Self.subject(world, .appointmentChanged, world.rosa),
                says: "Nota: Cancelada: Lluvia", never: english)
            try await Self.check(
                world, .appointmentReminder, to: world.rosa, language: "es", subject: try await Self.subject(world, .appointmentReminder, world.rosa),
                says: "Asegúrate de que haya alguien", never: english)
            // The window in Spanish and Madrid time, though the values were built in an English request.
            let window = "sábado, 12 de diciembre de 2026, 09:00–11:00 CET"
            #expect(try await Self.subject(world, .appointmentProposed, world.rosa) == "Propuesta de visita: \(window)")
            #expect(try await Self.subject(world, .appointmentConfirmed, world.rosa) == "Visita confirmada: \(window)")
            #expect(try await Self.subject(world, .appointmentChanged, world.rosa) == "Tu visita ha cambiado: \(window)")
            #expect(try await Self.subject(world, .appointmentReminder, world.rosa) == "Recordatorio: visita mañana, \(window)")
            try await Self.check(
                world, .appointmentProposed, to: world.ed, language: "en", subject: try await Self.subject(world, .appointmentProposed, world.ed),
                says: "we propose a repair visit on", never: spanish)
            try await Self.check(
                world, .appointmentChanged, to: world.ed, language: "en", subject: try await Self.subject(world, .appointmentChanged, world.ed),
                says: "Note: Cancelled: Lluvia", never: spanish)
            #expect(try await Self.subject(world, .appointmentReminder, world.ed) == "Reminder: visit tomorrow, Sat 12 Dec 2026, 09:00–11:00 GMT+1")
        }
    }

    static func at(_ iso: String) -> Date { try! Date(iso, strategy: .iso8601) }

    static func subject(_ world: World, _ kind: NotificationKind, _ customer: Customer) async throws -> String {
        try #require(try await TestMailbox.latest(to: customer.email, tenant: world.tenant.id, kind: kind.rawValue)).subject
    }

    @Test("a task for the household: Spanish for Rosa, English for Ed")
    func tasks() async throws {
        let world = try await Self.world()
        try await TestApp.with { (app: TestApp) async throws in
            try await Self.inEnglishConsole(app, world.tenant) { resolved, tx in
                for customer in [world.rosa, world.ed] {
                    try await SubscriberMail(outbox: app.dependencies.outbox).send(
                        .taskAssigned, to: customer, tenant: resolved,
                        values: ["title": "Reiniciar el router", "details": "", "due": "", "actionUrl": resolved.url(PortalRoutes.tasks.path)], in: tx
                    )
                }
            }
            try await Self.check(
                world, .taskAssigned, to: world.rosa, language: "es", subject: "Tienes algo pendiente: Reiniciar el router",
                says: "Sierra Net te pide lo siguiente: Reiniciar el router.", never: ["asks you to", "View your tasks", "(by"])
            try await Self.check(
                world, .taskAssigned, to: world.ed, language: "en", subject: "Something for you to do: Reiniciar el router",
                says: "Sierra Net asks you to: Reiniciar el router.", never: ["te pide", "Ver tus tareas", "antes del"])
        }
    }

    @Test("a task's due date is a date in the recipient's language, though an English console set it as yyyy-mm-dd")
    func taskDueDates() async throws {
        let world = try await Self.world()
        let admin = try await world.tenant.staff(role: .admin)
        try await TestApp.with { (app: TestApp) async throws in
            let console = Browser(app: app, host: world.tenant.host)
            try await console.signInStaff(admin.email)
            for organization in [world.organization.id, world.ed.organizationId] {
                let account = "/admin/customers/\(organization.uuidString.lowercased())"
                try await console.get(account, headers: [.acceptLanguage: "en"])
                let created = try await console.post(
                    "\(account)/tasks", ["task_title": "Reiniciar el router", "task_due": "2031-03-04"], headers: [.acceptLanguage: "en"])
                #expect(created.status == .ok)
            }
            let rosa = try #require(try await TestMailbox.latest(to: world.rosa.email, tenant: world.tenant.id, kind: "task_assigned"))
            #expect(rosa.text.contains("Reiniciar el router (antes del martes, 4 de marzo de 2031)."), "\(rosa.text)")
            #expect(rosa.html?.contains("(antes del martes, 4 de marzo de 2031).") == true)
            let ed = try #require(try await TestMailbox.latest(to: world.ed.email, tenant: world.tenant.id, kind: "task_assigned"))
            #expect(ed.text.contains("Reiniciar el router (by Tue 4 Mar 2031)."), "\(ed.text)")
            #expect(!ed.text.contains("2031-03-04") && !rosa.text.contains("2031-03-04"))
        }
    }

    @Test("staff mail: an invitation and a notice in each staff member's language, the role named in it")
    func staffMail() async throws {
        let world = try await Self.world()
        let marta = try await world.tenant.staff(role: .agent, name: "Marta Ruiz")
        let sam = try await world.tenant.staff(role: .admin, name: "Sam Lee")
        try await world.tenant.transaction { tx in try await tx.execute("UPDATE staff_users SET language = 'en' WHERE id = \(sam.id)") }
        try await TestApp.with { (app: TestApp) async throws in
            try await Self.inEnglishConsole(app, world.tenant) { resolved, tx in
                for staff in [marta, sam] {
                    try await app.dependencies.outbox.enqueue(
                        .inviteStaff, to: staff.email, name: "", tenant: resolved,
                        values: ["actionUrl": resolved.url("/admin/invite/x"), "role": MailText(key: "email.role.\(staff.role.rawValue)")],
                        linkToken: String(repeating: "t", count: 32), in: tx)
                }
                try await app.dependencies.staffNotices.send(
                    .taskDone, ["customer": "Rosa Díaz", "title": "Reiniciar el router"], note: "Hecho a las 9",
                    link: resolved.url("/admin"), tenant: resolved, in: tx)
            }
            let martaInvite = try #require(try await TestMailbox.latest(to: marta.email, tenant: world.tenant.id, kind: "invite_staff"))
            #expect(martaInvite.subject == "Te invitamos a la consola del equipo de Sierra Net")
            #expect(martaInvite.text.hasPrefix("Hola, equipo:"))
            #expect(martaInvite.text.contains("con el rol de agente. Elige tu contraseña aquí:"))
            #expect(martaInvite.html?.contains("<strong>agente</strong>") == true)
            let samInvite = try #require(try await TestMailbox.latest(to: sam.email, tenant: world.tenant.id, kind: "invite_staff"))
            #expect(samInvite.subject == "You are invited to Sierra Net's staff console")
            #expect(samInvite.text.contains("staff console as Admin. Choose your password here:"))
            let martaNotice = try #require(try await TestMailbox.latest(to: marta.email, tenant: world.tenant.id, kind: "staff_notice"))
            #expect(martaNotice.subject == "Tarea hecha: Reiniciar el router")
            #expect(martaNotice.text.contains("Rosa Díaz ha marcado «Reiniciar el router» como hecha. Nota: Hecho a las 9"))
            #expect(martaNotice.html?.contains("Abrir en la consola") == true)
            let samNotice = try #require(try await TestMailbox.latest(to: sam.email, tenant: world.tenant.id, kind: "staff_notice"))
            #expect(samNotice.subject == "Task done: Reiniciar el router")
            #expect(samNotice.text.contains("Rosa Díaz marked “Reiniciar el router” as done. Note: Hecho a las 9"))
            #expect(try await Self.contentLanguage(world.tenant, kind: "staff_notice", to: marta.email) == "es")
            #expect(try await Self.contentLanguage(world.tenant, kind: "staff_notice", to: sam.email) == "en")
        }
    }
}
