import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

/// Two tenants of different brandings and themes, each filled with the same fixed story: one
/// household with a subscriber, staff, work orders in three states, an appointment, a task and
/// notes, all on fixed dates (2031) so that formatting shows in the snapshots. Only what a test
/// cannot fix (ids, tokens, the tenant's unique slug, timestamps of "now") is scrubbed.
struct SnapshotBrand: Sendable, CustomTestStringConvertible {
    let key: String
    let companyName: String
    let theme: String
    let branding: SQL  // the SET list: fixed values only
    let peer: String

    var testDescription: String { key }

    static let ridge = SnapshotBrand(
        key: "ridge", companyName: "Ridge Wireless", theme: "default",
        branding: """
            logo_url = '/static/default/demo/acme-logo.svg', color_primary = '#0b5d1e', footer_text = 'Ridge Wireless · Serving the valley since 2009',
            support_email = 'help@ridge.example', support_phone = '+1 555 0100', support_hours = 'Mon–Fri 8:00–18:00',
            welcome_message = 'Fast, friendly rural internet.'
            """,
        peer: "198.51.100.21"
    )
    static let zenith = SnapshotBrand(
        key: "zenith", companyName: "Zenith Air", theme: "horizon",
        branding: """
            logo_url = '/branding/logo?v=7', logo_key = 'pngLogoKey0123456789', logo_type = 'image/png', color_primary = '#5b21b6',
            footer_text = 'Fast mountain internet', support_email = NULL, support_phone = '+1 555 0200', support_hours = 'Every day 7:00–22:00',
            website_url = 'https://zenith.example', welcome_message = 'Welcome to Zenith — internet for mountain homes.'
            """,
        peer: "198.51.100.22"
    )
    static let all = [ridge, zenith]
}

/// What the pages of one seeded tenant refer to.
struct SnapshotWorld: Sendable {
    let tenant: TestTenant
    let brand: SnapshotBrand
    let organization: Organization
    let subscriber: Customer
    let admin: StaffUser
    let openOrder: WorkOrder
    let activeOrder: WorkOrder
    let doneOrder: WorkOrder
    let appointment: Appointment

    static let subscriberEmail = "dana@household.example"
    static let adminEmail = "alex@staff.example"

    /// A fixed instant in UTC (the fixture's dates are far from the day the tests run).
    static func day(_ text: String, hour: Int = 0) -> Date {
        ISODates.parseDay(text)!.addingTimeInterval(Double(hour) * 3600)
    }

    static func seed(_ brand: SnapshotBrand) async throws -> SnapshotWorld {
        let tenant = try await TestTenant.create(name: brand.companyName)
        let hash = try await TestPasswords.hash()
        let repositories = Repositories.postgres
        // Rows a page orders by time each get their own transaction: now() is the transaction's
        // start, and two rows of one transaction would tie and come back in either order.
        let base = try await tenant.transaction { tx in
            try await tx.execute("UPDATE tenants SET theme = \(brand.theme) WHERE id = \(tx.tenant)")
            try await tx.execute("UPDATE tenant_branding SET \(brand.branding)")
            let admin = try await repositories.staff.create(
                email: adminEmail, name: "Alex Admin", role: .admin, status: .active, passwordHash: hash, in: tx)
            let technician = try await repositories.staff.create(
                email: "terry@staff.example", name: "Terry Technician", role: .technician,
                status: .active, passwordHash: hash, in: tx)
            let organization = try await repositories.organizations.create(
                NewOrganization(
                    name: "Whitfield household", kind: .household, serviceAddress: "127 Ridge Road, Valley Springs", servicePlan: "Home 100/20",
                    serviceStatus: .active
                ), in: tx)
            let subscriber = try await repositories.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: .owner, name: "Dana Whitfield", email: subscriberEmail, phone: "+1 555 0101",
                    passwordHash: hash, status: .active, emailVerified: true
                ), in: tx)
            _ = try await repositories.organizations.addEquipment(
                NewEquipment(
                    model: "Ubiquiti LiteBeam 5AC", serial: "SN-RIDGE-1001", mac: "00:27:22:01:03:07", installedOn: "2030-04-15"
                ), to: organization.id, in: tx)
            return (admin, technician, organization, subscriber)
        }
        let (admin, technician, organization, subscriber) = base
        let subscriberActor = Actor(kind: .customer, id: subscriber.id, name: subscriber.name)
        let adminActor = Actor(kind: .staff, id: admin.id, name: admin.displayName)
        let openOrder = try await tenant.transaction { tx in
            try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Slow speeds in the evening", description: "Speeds drop below 5 Mbit/s after 19:00.",
                    category: "Repair", priority: .normal, serviceLocation: organization.serviceAddress, preferredDates: "Weekday mornings",
                    customerNotes: "Dog in the yard is friendly.", status: .submitted
                ), by: subscriberActor, in: tx)
        }
        let activeOrder = try await tenant.transaction { tx in
            var activeOrder = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Install rooftop antenna", description: "New roof mount, aligned to the north tower.",
                    category: "Installation", priority: .high, serviceLocation: organization.serviceAddress, preferredDates: "Any afternoon",
                    customerNotes: "Ladder access at the back.", status: .submitted
                ), by: subscriberActor, in: tx)
            activeOrder = try await repositories.workOrders.update(
                activeOrder,
                changes: [
                    .init(.status, WorkOrderStatus.inProgress.rawValue),
                    .init(.assigneeId, technician.id.uuidString.lowercased(), display: technician.displayName),
                    .init(.progress, "40"),
                    .init(.shopNotes, "Bring a 10 m ladder."),
                    .init(.dueDate, "2031-03-05"),
                ], expectedVersion: activeOrder.version, by: adminActor, reason: "Scheduled", in: tx)
            return activeOrder
        }
        _ = try await tenant.transaction { tx in
            try await repositories.workOrders.addComment(
                to: activeOrder.id, body: "We have scheduled this & will keep you posted.",
                visibility: .shared, by: adminActor, in: tx)
        }
        _ = try await tenant.transaction { tx in
            try await repositories.workOrders.addComment(
                to: activeOrder.id, body: "Internal: check tower sector 3 capacity first.",
                visibility: .internalOnly, by: adminActor, in: tx)
        }
        let doneOrder = try await tenant.transaction { tx in
            var doneOrder = try await repositories.workOrders.create(
                NewWorkOrder(
                    organizationId: organization.id, title: "Replace damaged cable", description: "The outdoor cable was chewed <through>.",
                    category: "Repair", priority: .normal, serviceLocation: organization.serviceAddress, preferredDates: "", customerNotes: "",
                    status: .submitted
                ), by: subscriberActor, in: tx)
            doneOrder = try await repositories.workOrders.update(
                doneOrder,
                changes: [
                    .init(.status, WorkOrderStatus.completed.rawValue), .init(.progress, "100"),
                ], expectedVersion: doneOrder.version, by: adminActor, reason: "Done", in: tx)
            return doneOrder
        }
        let appointment = try await tenant.transaction { tx in
            let appointment = try await repositories.appointments.create(
                NewAppointment(
                    organizationId: organization.id, workOrderId: activeOrder.id, kind: .install,
                    startsAt: day("2031-03-04", hour: 9), endsAt: day("2031-03-04", hour: 12), technicianId: technician.id,
                    status: .confirmed, address: organization.serviceAddress, notes: "Please make sure someone over 18 is home."
                ), in: tx)
            _ = try await repositories.tasks.create(
                NewTask(
                    organizationId: organization.id, customerId: subscriber.id, workOrderId: activeOrder.id,
                    title: "Grant roof access", details: "Unlock the roof hatch before the visit.", dueDate: "2031-03-03",
                    createdByStaffId: admin.id
                ), in: tx)
            return appointment
        }
        _ = try await tenant.transaction { tx in
            try await repositories.notes.create(
                organization: organization.id, customer: nil,
                body: "Welcome aboard! Your installer will call the day before.", visibility: .shared,
                author: adminActor, in: tx)
        }
        _ = try await tenant.transaction { tx in
            try await repositories.notes.create(
                organization: organization.id, customer: nil,
                body: "Internal: prefers morning visits; gate code 4471.", visibility: .internalOnly,
                author: adminActor, in: tx)
        }
        return SnapshotWorld(
            tenant: tenant, brand: brand, organization: organization, subscriber: subscriber, admin: admin,
            openOrder: openOrder, activeOrder: activeOrder, doneOrder: doneOrder, appointment: appointment)
    }
}
