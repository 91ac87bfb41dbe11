import Foundation

/// What the integration API returns (snake_case on the wire). Ids are lower-case UUIDs;
/// timestamps RFC 3339 UTC.
public struct OrganizationResource: Encodable, Sendable {
    let id: String
    let externalId: String?
    let account: OrganizationAccount
    let updatedAt: Date

    init(_ organization: Organization) {
        id = organization.id.uuidString.lowercased()
        externalId = organization.externalId
        account = OrganizationAccount(
            accountNumber: organization.accountNumber, name: organization.name, kind: organization.kind.rawValue,
            serviceAddress: organization.serviceAddress, servicePlan: organization.servicePlan,
            serviceStatus: organization.serviceStatus.rawValue, createdAt: organization.createdAt)
        updatedAt = organization.updatedAt
    }

    // Nullable keys are always present; the account's fields stand beside them.
    enum CodingKeys: String, CodingKey {
        case id, externalId, updatedAt
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(externalId, forKey: .externalId); try c.encode(updatedAt, forKey: .updatedAt)
        try account.encode(to: encoder)
    }
}

public struct CustomerResource: Encodable, Sendable {
    let id: String
    let externalId: String?
    let organizationId: String
    let organizationExternalId: String?
    let name: String
    let email: String
    let emailVerified: Bool
    let phone: String
    let role: String
    let status: String
    let createdAt: Date
    let updatedAt: Date

    init(_ customer: Customer, organization: Organization?) {
        id = customer.id.uuidString.lowercased()
        externalId = customer.externalId
        organizationId = customer.organizationId.uuidString.lowercased()
        organizationExternalId = organization?.externalId
        name = customer.name
        email = customer.email
        emailVerified = customer.isEmailVerified
        phone = customer.phone
        role = customer.role.rawValue
        status = customer.status.rawValue
        createdAt = customer.createdAt
        updatedAt = customer.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, externalId, organizationId, organizationExternalId, name, email, emailVerified, phone, role, status, createdAt, updatedAt
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(externalId, forKey: .externalId); try c.encode(organizationId, forKey: .organizationId)
        try c.encode(organizationExternalId, forKey: .organizationExternalId); try c.encode(name, forKey: .name); try c.encode(email, forKey: .email)
        try c.encode(emailVerified, forKey: .emailVerified); try c.encode(phone, forKey: .phone); try c.encode(role, forKey: .role)
        try c.encode(status, forKey: .status); try c.encode(createdAt, forKey: .createdAt); try c.encode(updatedAt, forKey: .updatedAt)
    }
}

public struct EquipmentResource: Encodable, Sendable {
    let id: String
    let externalId: String?
    let organizationExternalId: String?
    let model: String
    let serial: String
    let mac: String
    let installedOn: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ equipment: Equipment, organization: Organization) {
        id = equipment.id.uuidString.lowercased()
        externalId = equipment.externalId
        organizationExternalId = organization.externalId
        model = equipment.model
        serial = equipment.serial
        mac = equipment.mac
        installedOn = equipment.installedOn
        createdAt = equipment.createdAt
        updatedAt = equipment.updatedAt
    }

    enum CodingKeys: String, CodingKey { case id, externalId, organizationExternalId, model, serial, mac, installedOn, createdAt, updatedAt }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(externalId, forKey: .externalId);
        try c.encode(organizationExternalId, forKey: .organizationExternalId)
        try c.encode(model, forKey: .model); try c.encode(serial, forKey: .serial); try c.encode(mac, forKey: .mac)
        try c.encode(installedOn, forKey: .installedOn); try c.encode(createdAt, forKey: .createdAt); try c.encode(updatedAt, forKey: .updatedAt)
    }
}

public struct IntegrationWorkOrderResource: Encodable, Sendable {
    let number: Int
    let organizationId: String
    let organizationExternalId: String?
    let title: String
    let description: String
    let category: String
    let priority: String
    let status: String
    let progress: Int
    let estimatedCompletion: Date?
    let dueDate: String?
    let closedReason: String
    let version: Int
    let createdAt: Date
    let updatedAt: Date

    init(_ order: WorkOrder, organization: Organization?) {
        number = order.number
        organizationId = order.organizationId.uuidString.lowercased()
        organizationExternalId = organization?.externalId
        title = order.title
        description = order.description
        category = order.category
        priority = order.priority.rawValue
        status = order.status.rawValue
        progress = order.progress
        estimatedCompletion = order.estimatedCompletion
        dueDate = order.dueDate
        closedReason = order.closedReason
        version = order.version
        createdAt = order.createdAt
        updatedAt = order.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case number, organizationId, organizationExternalId, title, description, category, priority, status, progress
        case estimatedCompletion, dueDate, closedReason, version, createdAt, updatedAt
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(number, forKey: .number); try c.encode(organizationId, forKey: .organizationId)
        try c.encode(organizationExternalId, forKey: .organizationExternalId); try c.encode(title, forKey: .title)
        try c.encode(description, forKey: .description); try c.encode(category, forKey: .category); try c.encode(priority, forKey: .priority)
        try c.encode(status, forKey: .status); try c.encode(progress, forKey: .progress);
        try c.encode(estimatedCompletion, forKey: .estimatedCompletion)
        try c.encode(dueDate, forKey: .dueDate); try c.encode(closedReason, forKey: .closedReason); try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt); try c.encode(updatedAt, forKey: .updatedAt)
    }
}

public struct IntegrationAppointmentResource: Encodable, Sendable {
    let id: String
    let organizationId: String
    let organizationExternalId: String?
    let workOrderNumber: Int?
    let kind: String
    let status: String
    let startsAt: Date
    let endsAt: Date
    let technician: String?
    let address: String
    let notes: String
    let version: Int
    let createdAt: Date
    let updatedAt: Date

    init(_ appointment: Appointment, organization: Organization?, workOrderNumber: Int?, technician: String?) {
        id = appointment.id.uuidString.lowercased()
        organizationId = appointment.organizationId.uuidString.lowercased()
        organizationExternalId = organization?.externalId
        self.workOrderNumber = workOrderNumber
        kind = appointment.kind.rawValue
        status = appointment.status.rawValue
        startsAt = appointment.startsAt
        endsAt = appointment.endsAt
        self.technician = technician
        address = appointment.address
        notes = appointment.notes
        version = appointment.version
        createdAt = appointment.createdAt
        updatedAt = appointment.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, organizationId, organizationExternalId, workOrderNumber, kind, status, startsAt, endsAt, technician, address, notes, version,
            createdAt, updatedAt
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(organizationId, forKey: .organizationId)
        try c.encode(organizationExternalId, forKey: .organizationExternalId); try c.encode(workOrderNumber, forKey: .workOrderNumber)
        try c.encode(kind, forKey: .kind); try c.encode(status, forKey: .status); try c.encode(startsAt, forKey: .startsAt)
        try c.encode(endsAt, forKey: .endsAt); try c.encode(technician, forKey: .technician); try c.encode(address, forKey: .address)
        try c.encode(notes, forKey: .notes); try c.encode(version, forKey: .version); try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}
