import Foundation
import Postgres

public enum AppointmentStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case proposed
    case confirmed
    case rescheduleRequested = "reschedule_requested"
    case completed
    case cancelled

    public var label: String {
        switch self {
        case .proposed: "Proposed"
        case .confirmed: "Confirmed"
        case .rescheduleRequested: "Reschedule requested"
        case .completed: "Completed"
        case .cancelled: "Cancelled"
        }
    }
}

public enum AppointmentKind: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case install, repair, survey, maintenance, other

    public var label: String { rawValue.capitalized }
}

/// A time window the subscriber proposes when asking to reschedule.
public struct TimeWindow: Sendable, Codable, Equatable {
    public let startsAt: Date
    public let endsAt: Date

    public init(startsAt: Date, endsAt: Date) {
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// A visit (install, repair, survey) for an organization.
public struct Appointment: Sendable, Decodable {
    public let id: UUID
    public let organizationId: UUID
    public let workOrderId: UUID?
    public let kind: AppointmentKind
    public let startsAt: Date
    public let endsAt: Date
    public let technicianId: UUID?
    public let status: AppointmentStatus
    public let address: String
    public let notes: String
    public let rescheduleWindows: [TimeWindow]
    public let rescheduleNote: String
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date
}

public struct NewAppointment: Sendable {
    public var organizationId: UUID
    public var workOrderId: UUID?
    public var kind: AppointmentKind
    public var startsAt: Date
    public var endsAt: Date
    public var technicianId: UUID?
    public var status: AppointmentStatus
    public var address: String
    public var notes: String

    public init(organizationId: UUID, workOrderId: UUID? = nil, kind: AppointmentKind, startsAt: Date, endsAt: Date,
                technicianId: UUID? = nil, status: AppointmentStatus = .proposed, address: String = "", notes: String = "") {
        self.organizationId = organizationId
        self.workOrderId = workOrderId
        self.kind = kind
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.technicianId = technicianId
        self.status = status
        self.address = address
        self.notes = notes
    }
}
