import Foundation
import Postgres

extension StaffAppointments {
    // MARK: Input

    /// The appointment form as typed.
    public struct Input: Sendable {
        public var accountNumber: String
        public var workOrder: String
        public var kind: String
        public var status: String
        public var technician: String
        public var date: String
        public var start: String
        public var end: String
        public var address: String
        public var notes: String

        public init(form: FormFields) {
            accountNumber = form.text("account")
            workOrder = form.text("work_order").trimmingCharacters(in: CharacterSet(charactersIn: "# "))
            kind = form.text("kind")
            status = form.text("status")
            technician = form.text("technician_id")
            date = form.text("date")
            start = form.text("start")
            end = form.text("end")
            address = form.text("address")
            notes = form.text("notes")
        }
    }

    /// A window from a date and two times (in the reader's zone), checked for sense: a real date and times, the
    /// end after the start, between 15 minutes and 12 hours long, and (when `future`) not in
    /// the past nor more than two years ahead. Problems are keyed by `prefix` + field.
    static func window(date: String, start: String, end: String, future: Bool, now: Date = Date(), prefix: String = "") throws -> TimeWindow {
        guard DateInput.isISODate(date) else { throw AppError.validation(["\(prefix)date": L10n.t("validation.dateLike")]) }
        guard let from = try DateInput.time(date, start, field: "\(prefix)start") else {
            throw AppError.validation(["\(prefix)start": L10n.t("console.appointment.startLike")])
        }
        guard let to = try DateInput.time(date, end, field: "\(prefix)end") else {
            throw AppError.validation(["\(prefix)end": L10n.t("console.appointment.endLike")])
        }
        guard to > from else { throw AppError.validation(["\(prefix)end": L10n.t("validation.endAfterStart")]) }
        let length = to.timeIntervalSince(from)
        guard length >= minimumLength else { throw AppError.validation(["\(prefix)end": "A visit window is at least 15 minutes long."]) }
        guard length <= maximumLength else { throw AppError.validation(["\(prefix)end": "A visit window is at most 12 hours long."]) }
        if future {
            guard from > now else { throw AppError.validation(["\(prefix)date": L10n.t("validation.future")]) }
            guard from < now.addingTimeInterval(horizon) else {
                throw AppError.validation(["\(prefix)date": L10n.t("console.appointment.withinTwoYears")])
            }
        }
        return TimeWindow(startsAt: from, endsAt: to)
    }

    /// Checks the input against this tenant's data. `organization` is fixed when editing.
    func resolve(
        _ input: Input, organization fixed: Organization?, current: Appointment?, in tx: TenantTransaction
    ) async throws
        -> (Organization, AppointmentChanges)
    {
        var problems: [String: String] = [:]
        var organization = fixed
        if organization == nil {
            let number = input.accountNumber.trimmingCharacters(in: .whitespaces)
            if number.isEmpty {
                problems["account"] = L10n.t("console.tasks.enterAccount")
            } else if let found = try await repositories.organizations.find(accountNumber: String(number.prefix(64)), in: tx) {
                organization = found
            } else {
                problems["account"] = L10n.t("console.errors.noSuchAccount", ["account": String(number.prefix(64))])
            }
        }
        var workOrderId: UUID?
        if !input.workOrder.isEmpty {
            if let number = Int(input.workOrder), number > 0, number < 1_000_000_000, let organization,
                let order = try await repositories.workOrders.find(number: number, organization: organization.id, in: tx)
            {
                workOrderId = order.id
            } else if organization != nil || Int(input.workOrder) == nil {
                problems["work_order"] =
                    L10n.t("console.appointment.notTheirOrder", ["number": String(input.workOrder.prefix(12))])
            }
        }
        let kind = AppointmentKind(rawValue: input.kind.isEmpty ? "repair" : input.kind)
        if kind == nil { problems["kind"] = L10n.t("console.appointment.chooseKind") }
        var technicianId: UUID?
        if !input.technician.isEmpty {
            if let id = UUID(uuidString: input.technician), let person = try await repositories.staff.find(id: id, in: tx), person.status == .active {
                technicianId = person.id
            } else {
                problems["technician_id"] = L10n.t("console.appointment.chooseTechnician")
            }
        }
        if input.address.count > 500 { problems["address"] = L10n.atMostCharacters(500) }
        if input.notes.count > 5000 { problems["notes"] = L10n.atMostCharacters(5000, grouped: true) }
        var window: TimeWindow?
        do {
            // Past windows are refused unless an edit keeps the window it already had.
            let parsed = try Self.window(date: input.date, start: input.start, end: input.end, future: false)
            let unchanged = current.map { $0.startsAt == parsed.startsAt && $0.endsAt == parsed.endsAt } ?? false
            window = unchanged ? parsed : try Self.window(date: input.date, start: input.start, end: input.end, future: true)
        } catch let error as AppError {
            problems.merge(error.fields) { first, _ in first }
        }
        guard problems.isEmpty, let organization, let kind, let window else { throw AppError.validation(problems) }
        let address = input.address.trimmingCharacters(in: .whitespacesAndNewlines)
        return (
            organization,
            AppointmentChanges(
                workOrderId: workOrderId, kind: kind, window: window, technicianId: technicianId,
                address: address.isEmpty && current == nil ? organization.serviceAddress : address,
                notes: input.notes.trimmingCharacters(in: .whitespacesAndNewlines), status: current?.status ?? .proposed)
        )
    }
}
