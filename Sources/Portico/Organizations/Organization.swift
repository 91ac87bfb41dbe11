import Foundation
import Postgres

public enum ServiceStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case active
    case suspended
    case pendingInstall = "pending_install"
    case cancelled

    /// In the request's language (`organizations.serviceStatus.*`).
    public var label: String { L10n.t("organizations.serviceStatus.\(rawValue)") }
}

public enum OrganizationKind: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case household
    case business
}

/// A subscriber account inside a tenant: a household or a business.
public struct Organization: Sendable, Decodable {
    public let id: UUID
    public let accountNumber: String
    public let name: String
    public let kind: OrganizationKind
    public let serviceAddress: String
    public let servicePlan: String
    public let serviceStatus: ServiceStatus
    public let externalId: String?
    public let createdAt: Date
    public let updatedAt: Date
}

public struct NewOrganization: Sendable {
    public var accountNumber: String?
    public var name: String
    public var kind: OrganizationKind
    public var serviceAddress: String
    public var servicePlan: String
    public var serviceStatus: ServiceStatus
    public var externalId: String?

    public init(
        accountNumber: String? = nil, name: String, kind: OrganizationKind = .household, serviceAddress: String = "",
        servicePlan: String = "", serviceStatus: ServiceStatus = .pendingInstall, externalId: String? = nil
    ) {
        self.accountNumber = accountNumber
        self.name = name
        self.kind = kind
        self.serviceAddress = serviceAddress
        self.servicePlan = servicePlan
        self.serviceStatus = serviceStatus
        self.externalId = externalId
    }
}

/// Customer premises equipment.
public struct Equipment: Sendable, Decodable {
    public let id: UUID
    public let organizationId: UUID
    public let model: String
    public let serial: String
    public let mac: String
    public let installedOn: String?
    public let externalId: String?
    public let createdAt: Date
    public let updatedAt: Date
}

public struct NewEquipment: Sendable {
    public var model: String
    public var serial: String
    public var mac: String
    /// ISO date (yyyy-mm-dd).
    public var installedOn: String?
    /// The billing system's id for it (integration API upserts).
    public var externalId: String?

    public init(model: String, serial: String = "", mac: String = "", installedOn: String? = nil, externalId: String? = nil) {
        self.externalId = externalId
        self.model = model
        self.serial = serial
        self.mac = mac
        self.installedOn = installedOn
    }
}
