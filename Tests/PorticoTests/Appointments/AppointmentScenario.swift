import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// What the appointment and task suites share: the world below, the console as one of its
/// staff, and what the database, the outbox and the audit log hold afterwards.
protocol AppointmentScenario {}

/// A tenant with an admin, an agent, two technicians, a subscriber with work order #1001,
/// and a second subscriber account with work order #1002.
struct AppointmentWorld {
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

extension AppointmentScenario {
    typealias World = AppointmentWorld

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
}
