import Foundation
import Postgres

public enum AppointmentStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case proposed
    case confirmed
    case rescheduleRequested = "reschedule_requested"
    case completed
    case cancelled

    /// In the request's language (`appointments.status.*`).
    public var label: String { L10n.t("appointments.status.\(rawValue)") }
}

public enum AppointmentKind: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case install, repair, survey, maintenance, other

    public var label: String { L10n.t("appointments.kind.\(rawValue)") }
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
    public let cancelReason: String
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

    public init(
        organizationId: UUID, workOrderId: UUID? = nil, kind: AppointmentKind, startsAt: Date, endsAt: Date,
        technicianId: UUID? = nil, status: AppointmentStatus = .proposed, address: String = "", notes: String = ""
    ) {
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

/// Which appointments the console's calendar shows: those starting in `[from, to)`.
public struct AppointmentFilter: Sendable {
    public var from: Date?
    public var to: Date?
    public var technicianId: UUID?
    public var unassigned: Bool
    public var status: AppointmentStatus?
    public var organizationId: UUID?
    public var workOrderId: UUID?

    public init(
        from: Date? = nil, to: Date? = nil, technicianId: UUID? = nil, unassigned: Bool = false, status: AppointmentStatus? = nil,
        organizationId: UUID? = nil, workOrderId: UUID? = nil
    ) {
        self.from = from
        self.to = to
        self.technicianId = technicianId
        self.unassigned = unassigned
        self.status = status
        self.organizationId = organizationId
        self.workOrderId = workOrderId
    }
}

/// What staff change when they edit an appointment.
public struct AppointmentChanges: Sendable {
    public var workOrderId: UUID?
    public var kind: AppointmentKind
    public var window: TimeWindow
    public var technicianId: UUID?
    public var address: String
    public var notes: String
    public var status: AppointmentStatus

    public init(
        workOrderId: UUID?, kind: AppointmentKind, window: TimeWindow, technicianId: UUID?, address: String, notes: String,
        status: AppointmentStatus
    ) {
        self.workOrderId = workOrderId
        self.kind = kind
        self.window = window
        self.technicianId = technicianId
        self.address = address
        self.notes = notes
        self.status = status
    }
}
