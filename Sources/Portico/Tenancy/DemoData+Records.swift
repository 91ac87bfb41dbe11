import Foundation
import PorticoCrypto
import Postgres

/// A demo tenant's people and records: staff, subscriber accounts with equipment, work orders in
/// every status with visits and tasks, notes, a finished installation and an account without
/// logins.
extension DemoData {
    func populate(_ spec: Spec, passwordHash: String, in tx: TenantTransaction) async throws {
        let domain = "\(spec.slug).example"
        let admin = try await repositories.staff.create(
            email: "admin@\(domain)", name: "Alex Admin", role: .admin, status: .active, passwordHash: passwordHash, in: tx)
        _ = try await repositories.staff.create(
            email: "agent@\(domain)", name: "Avery Agent", role: .agent, status: .active, passwordHash: passwordHash, in: tx)
        let technician = try await repositories.staff.create(
            email: "tech@\(domain)", name: "Terry Technician", role: .technician, status: .active, passwordHash: passwordHash, in: tx)
        let adminActor = Actor(kind: .staff, id: admin.id, name: admin.displayName)

        let statuses: [WorkOrderStatus] = WorkOrderStatus.allCases
        let titles = [
            "Install rooftop antenna", "Slow speeds in the evening", "Relocate router to office", "Replace damaged cable",
            "Upgrade plan equipment", "Intermittent outages", "Site survey for new barn", "Mount repair after storm",
        ]
        var orderIndex = 0
        var firstCustomer: Customer?
        for (index, person) in spec.people.enumerated() {
            let (organization, customer) = try await account(index, person, of: spec, passwordHash: passwordHash, in: tx)
            if firstCustomer == nil { firstCustomer = customer }

            // Every status appears across the tenant's orders.
            for _ in 0..<2 {
                let status = statuses[orderIndex % statuses.count]
                let title = titles[orderIndex % titles.count]
                orderIndex += 1
                try await workOrder(
                    orderIndex, status: status, title: title, organization: organization, customer: customer, admin: admin,
                    technician: technician, spec: spec, in: tx)
            }
            _ = try await repositories.notes.create(
                organization: organization.id, customer: nil,
                body: "Welcome aboard! Your installer will call the day before.", visibility: .shared, author: adminActor, in: tx)
            _ = try await repositories.notes.create(
                organization: organization.id, customer: nil,
                body: "Internal: prefers morning visits; gate code 4471.", visibility: .internalOnly, author: adminActor, in: tx)
        }
        if let firstCustomer { try await completedInstallation(for: firstCustomer, admin: adminActor, in: tx) }
        try await accountWithoutLogins(spec, admin: admin, in: tx)
    }

    /// The `index`th subscriber account of the demo: its organization, its owner and a device.
    func account(
        _ index: Int, _ person: (String, String, String), of spec: Spec, passwordHash: String, in tx: TenantTransaction
    ) async throws -> (Organization, Customer) {
        let domain = "\(spec.slug).example"
        let isBusiness = person.1 == "office" || person.1 == "lodge"
        let organization = try await repositories.organizations.create(
            NewOrganization(
                name: isBusiness ? person.0 : "\(person.0.split(separator: " ").last ?? "") household",
                kind: isBusiness ? .business : .household,
                serviceAddress: "\(120 + index * 7) Ridge Road, Valley Springs",
                servicePlan: spec.plans[index % spec.plans.count],
                serviceStatus: index == spec.people.count - 1 ? .pendingInstall : .active
            ), in: tx)
        let customer = try await repositories.customers.create(
            NewCustomer(
                organizationId: organization.id, role: .owner, name: person.0, email: "\(person.1)@\(domain)", phone: person.2,
                passwordHash: passwordHash, status: .active, emailVerified: true
            ), in: tx)
        _ = try await repositories.organizations.addEquipment(
            NewEquipment(
                model: index % 2 == 0 ? "Ubiquiti LiteBeam 5AC" : "Cambium ePMP Force 300",
                serial: "SN\(spec.slug.uppercased())\(1000 + index)",
                mac: String(format: "00:27:22:%02x:%02x:%02x", index, index * 3 % 256, index * 7 % 256),
                installedOn: "2024-0\(index % 9 + 1)-15"
            ), to: organization.id, in: tx)
        return (organization, customer)
    }

    /// One work order of `customer`, taken as far as `status` (assigned, commented, closed); an
    /// approved or in-progress one also gets a visit and a task for the subscriber.
    func workOrder(
        _ orderIndex: Int, status: WorkOrderStatus, title: String, organization: Organization, customer: Customer, admin: StaffUser,
        technician: StaffUser, spec: Spec, in tx: TenantTransaction
    ) async throws {
        let adminActor = Actor(kind: .staff, id: admin.id, name: admin.displayName)
        let customerActor = Actor(kind: .customer, id: customer.id, name: customer.name)
        var order = try await repositories.workOrders.create(
            NewWorkOrder(
                organizationId: organization.id, title: title,
                description: "\(title). Reported by \(customer.name).", category: orderIndex % 2 == 0 ? "Repair" : "Installation",
                priority: orderIndex % 4 == 0 ? .high : .normal, serviceLocation: organization.serviceAddress,
                preferredDates: "Weekday mornings",
                customerNotes: "Dog in the yard is friendly.", status: status == .draft ? .draft : .submitted
            ), by: customerActor, in: tx)
        if status != .draft && status != .submitted {
            var changes: [WorkOrderFieldChange] = [.init(.status, status.rawValue)]
            if status != .rejected && status != .cancelled {
                changes.append(.init(.assigneeId, technician.id.uuidString.lowercased(), display: technician.displayName))
                changes.append(.init(.progress, status == .completed ? "100" : "40"))
                changes.append(.init(.shopNotes, "Technician scheduled; bring a 10 m ladder."))
                changes.append(.init(.dueDate, ISODates.today(Date().addingTimeInterval(Double(orderIndex % 3 - 1) * 86_400 * 5))))
            } else {
                changes.append(.init(.closedReason, status == .rejected ? "Outside our coverage area." : "Customer no longer needs it."))
            }
            order = try await repositories.workOrders.update(
                order, changes: changes, expectedVersion: order.version, by: adminActor, reason: "Demo data", in: tx)
            _ = try await repositories.workOrders.addComment(
                to: order.id, body: "We have scheduled this and will keep you posted.", visibility: .shared, by: adminActor, in: tx)
            _ = try await repositories.workOrders.addComment(
                to: order.id, body: "Internal: check tower sector 3 capacity first.", visibility: .internalOnly, by: adminActor, in: tx)
        }
        if status == .approved || status == .inProgress {
            // 09:00 on one of the next five days, on the tenant's clock.
            let calendar = DateFormats.local(TenantTimeZone.zone(spec.timeZone)).calendar
            let day = calendar.date(byAdding: .day, value: orderIndex % 5 + 1, to: calendar.startOfDay(for: Date()))!
            let start = calendar.date(bySettingHour: 9, minute: 0, second: 0, of: day)!
            _ = try await repositories.appointments.create(
                NewAppointment(
                    organizationId: organization.id, workOrderId: order.id, kind: order.category == "Installation" ? .install : .repair,
                    startsAt: start, endsAt: start.addingTimeInterval(3 * 3600), technicianId: technician.id,
                    status: orderIndex % 2 == 0 ? .proposed : .confirmed, address: organization.serviceAddress,
                    notes: "Please make sure someone over 18 is home."
                ), in: tx)
            _ = try await repositories.tasks.create(
                NewTask(
                    organizationId: organization.id, customerId: customer.id, workOrderId: order.id,
                    title: "Grant roof access", details: "Unlock the roof hatch before the visit.", dueDate: ISODates.today(start),
                    createdByStaffId: admin.id
                ), in: tx)
        }
    }

    /// The first subscriber's connection was installed through a work order: their service
    /// page's installation history shows it beside the equipment's install date.
    func completedInstallation(for customer: Customer, admin: Actor, in tx: TenantTransaction) async throws {
        let order = try await repositories.workOrders.create(
            NewWorkOrder(
                organizationId: customer.organizationId, title: "Initial installation",
                description: "Roof mount, antenna aligned to the north tower.",
                category: "Installation", priority: .normal, serviceLocation: "", preferredDates: "", customerNotes: "", status: .submitted
            ), by: Actor(kind: .customer, id: customer.id, name: customer.name), in: tx)
        _ = try await repositories.workOrders.update(
            order, changes: [.init(.status, WorkOrderStatus.completed.rawValue), .init(.progress, "100")],
            expectedVersion: order.version, by: admin, reason: "Demo data", in: tx)
    }

    /// An account imported from billing whose two logins have no password yet: one invited
    /// (the link is in the mail drop only if invited again), one not — what staff meet after
    /// an import.
    func accountWithoutLogins(_ spec: Spec, admin: StaffUser, in tx: TenantTransaction) async throws {
        let organization = try await repositories.organizations.create(
            NewOrganization(
                name: "Cedar household", kind: .household, serviceAddress: "9 Cedar Lane, Valley Springs",
                servicePlan: spec.plans[0], serviceStatus: .pendingInstall
            ), in: tx)
        let invited = try await repositories.customers.create(
            NewCustomer(
                organizationId: organization.id, role: .owner, name: "Robin Cedar", email: "robin@\(spec.slug).example", status: .pending
            ), in: tx)
        _ = try await repositories.customers.create(
            NewCustomer(
                organizationId: organization.id, role: .member, name: "Sam Cedar", email: "sam@\(spec.slug).example", status: .pending
            ), in: tx)
        try await AccountTokens.insert(
            token: SecureRandom.token(), kind: .inviteCustomer, email: invited.email, customerID: invited.id,
            organizationID: organization.id, createdBy: admin.id, lifetime: AccountTokens.Kind.inviteCustomer.lifetime, in: tx)
    }
}
