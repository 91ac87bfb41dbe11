import Foundation
import PorticoCrypto
import Postgres

/// What a subscriber can do with their organization's appointments.
public struct CustomerAppointments: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let notices: StaffNotices

    public func find(_ id: UUID, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> Appointment {
        let appointment = try await pool.withTenant(tenant.id) { tx in
            try await repositories.appointments.find(id: id, organization: customer.organizationId, in: tx)
        }
        guard let appointment else { throw AppError.notFound("appointment") }
        return appointment
    }

    /// The organization's appointments a page at a time, upcoming first (the API's list).
    /// What each visit refers to: its technician and its work order's number.
    public struct References: Sendable {
        public var technicians: [UUID: StaffUser] = [:]
        public var workOrderNumbers: [UUID: Int] = [:]

        static func of(_ appointments: [Appointment], repositories: Repositories, in tx: TenantTransaction) async throws -> References {
            References(
                technicians: try await repositories.staff.find(ids: appointments.compactMap(\.technicianId), in: tx),
                workOrderNumbers: try await repositories.workOrders.numbers(ids: appointments.compactMap(\.workOrderId), in: tx))
        }
    }

    /// One page of the organization's visits and what they refer to, read in one transaction.
    public func page(
        customer: SignedInCustomer, after: [String]?, limit: Int, tenant: ResolvedTenant
    ) async throws -> (page: KeysetPage<Appointment>, related: References) {
        return try await pool.withTenant(tenant.id) { tx in
            let page = try await repositories.appointments.page(organization: customer.organizationId, after: after, limit: limit, in: tx)
            return (page, try await References.of(page.items, repositories: repositories, in: tx))
        }
    }

    /// What `appointments` refer to, for a response after a change.
    public func references(of appointments: [Appointment], tenant: ResolvedTenant) async throws -> References {
        return try await pool.withTenant(tenant.id) { tx in try await References.of(appointments, repositories: repositories, in: tx) }
    }

    /// Everything the appointments page shows, read in one transaction: every visit of the
    /// organization, what they refer to, and whether it has a calendar feed.
    public struct Overview: Sendable {
        public let appointments: [Appointment]
        public let related: References
        public let hasFeed: Bool
    }

    public func overview(customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> Overview {
        return try await pool.withTenant(tenant.id) { tx in
            let appointments = try await repositories.appointments.list(organization: customer.organizationId, from: nil, to: nil, in: tx)
            return Overview(
                appointments: appointments, related: try await References.of(appointments, repositories: repositories, in: tx),
                hasFeed: try await repositories.calendarFeeds.exists(organization: customer.organizationId, in: tx))
        }
    }

    /// One of the organization's visits and what it refers to; another organization's or a
    /// missing one: not found.
    public func detail(_ id: UUID, customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> (Appointment, References) {
        let found = try await pool.withTenant(tenant.id) { tx -> (Appointment, References)? in
            guard let appointment = try await repositories.appointments.find(id: id, organization: customer.organizationId, in: tx) else {
                return nil
            }
            return (appointment, try await References.of([appointment], repositories: repositories, in: tx))
        }
        guard let found else { throw AppError.notFound("appointment") }
        return found
    }

    /// Whether the subscriber may confirm or ask to move it now (what the page offers).
    public static func canConfirm(_ appointment: Appointment, now: Date = Date()) -> Bool {
        appointment.startsAt > now && (appointment.status == .proposed || appointment.status == .rescheduleRequested)
    }

    public static func canReschedule(_ appointment: Appointment, now: Date = Date()) -> Bool {
        appointment.startsAt > now && [.proposed, .confirmed, .rescheduleRequested].contains(appointment.status)
    }

    /// `version` nil: the current one (a client that does not track versions).
    public func confirm(
        _ id: UUID, version: Int?, customer: SignedInCustomer, tenant: ResolvedTenant,
        origin: RequestOrigin? = nil
    ) async throws -> Appointment {
        let appointment = try await find(id, customer: customer, tenant: tenant)
        guard appointment.status == .proposed || appointment.status == .rescheduleRequested else {
            throw AppError(
                .conflict, code: "cannot_confirm", L10n.t("validation.appointment.cannotConfirm", ["status": appointment.status.label.lowercased()]))
        }
        guard appointment.startsAt > Date() else { throw AppError(.conflict, code: "in_the_past", L10n.t("validation.appointment.past")) }
        return try await pool.withTenant(tenant.id) { tx in
            let updated = try await repositories.appointments.setStatus(
                .confirmed, of: id, expectedVersion: version ?? appointment.version, in: tx)
            try await audit("appointment.confirmed", appointment, customer: customer, origin: origin, in: tx)
            try await notices.send(
                .appointmentConfirmed, AppointmentMail.noticeValues(appointment, customer: customer.name),
                link: tenant.url(ConsoleRoutes.appointments.path), tenant: tenant, in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(updated, change: "confirmed", tenant: tenant, in: tx)
            return updated
        }
    }

    /// Parses up to three preferred windows ("date", "start", "end" fields) and a note.
    public static func windows(from form: FormFields) throws -> [TimeWindow] {
        var windows: [TimeWindow] = []
        var problems: [String: String] = [:]
        for index in 1...3 {
            let date = form.text("date\(index)"), start = form.text("start\(index)"), end = form.text("end\(index)")
            if date.isEmpty && start.isEmpty && end.isEmpty { continue }
            guard DateInput.isISODate(date) else { problems["date\(index)"] = L10n.t("validation.dateLike"); continue }
            guard let from = try DateInput.time(date, start, field: "start\(index)"), let to = try DateInput.time(date, end, field: "end\(index)")
            else {
                problems["start\(index)"] = L10n.t("validation.timesLike")
                continue
            }
            guard to > from else { problems["end\(index)"] = L10n.t("validation.endAfterStart"); continue }
            guard from > Date() else { problems["date\(index)"] = L10n.t("validation.future"); continue }
            windows.append(TimeWindow(startsAt: from, endsAt: to))
        }
        if windows.isEmpty && problems.isEmpty { problems["date1"] = L10n.t("validation.appointment.atLeastOne") }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return windows
    }

    /// Checks windows given as instants (the API's `preferred_times`) by the rules of the
    /// page's form: one to three, each ending after it starts, in the future. Problems are
    /// keyed `preferred_times.<index>.<field>`.
    public static func validate(windows: [TimeWindow], field: String = "preferred_times", now: Date = Date()) throws -> [TimeWindow] {
        var problems: [String: String] = [:]
        if windows.isEmpty { problems[field] = L10n.t("validation.appointment.atLeastOne") }
        if windows.count > 3 { problems[field] = L10n.t("validation.appointment.atMostThree") }
        for (index, window) in windows.enumerated().prefix(3) {
            if window.endsAt <= window.startsAt { problems["\(field).\(index).ends_at"] = L10n.t("validation.endAfterStart") }
            if window.startsAt <= now { problems["\(field).\(index).starts_at"] = L10n.t("validation.future") }
            if window.endsAt.timeIntervalSince(window.startsAt) > 86_400 {
                problems["\(field).\(index).ends_at"] = L10n.t("validation.appointment.oneDay")
            }
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return windows
    }

    public func requestReschedule(
        _ id: UUID, windows: [TimeWindow], note: String, version: Int?, customer: SignedInCustomer,
        tenant: ResolvedTenant, origin: RequestOrigin? = nil
    ) async throws -> Appointment {
        guard note.count <= 2000 else { throw AppError.validation(["note": L10n.atMostCharacters(2000, grouped: true)]) }
        let appointment = try await find(id, customer: customer, tenant: tenant)
        guard [.proposed, .confirmed, .rescheduleRequested].contains(appointment.status) else {
            throw AppError(
                .conflict, code: "cannot_reschedule", L10n.t("validation.appointment.cannotMove", ["status": appointment.status.label.lowercased()]))
        }
        return try await pool.withTenant(tenant.id) { tx in
            let updated = try await repositories.appointments.requestReschedule(
                id, windows: windows, note: note,
                expectedVersion: version ?? appointment.version, in: tx)
            try await audit("appointment.reschedule_requested", appointment, customer: customer, origin: origin, in: tx)
            let proposed = windows.map { ($0.startsAt, $0.endsAt) }
            var values = AppointmentMail.noticeValues(appointment, customer: customer.name)
            values["proposals"] = MailText { proposed.map { DisplayDate.window($0.0, $0.1) }.joined(separator: "; ") }
            try await notices.send(
                .rescheduleRequested, values, note: note,
                link: tenant.url(ConsoleRoutes.appointments.path), tenant: tenant, in: tx)
            try await WebhookEvents(repositories: repositories).appointmentChanged(
                updated, change: "reschedule_requested", tenant: tenant, in: tx)
            return updated
        }
    }

    func audit(
        _ action: String, _ appointment: Appointment, customer: SignedInCustomer, origin: RequestOrigin?,
        in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: action,
                targetKind: "appointment", targetId: appointment.id.uuidString, ip: origin?.ip ?? "", userAgent: origin?.userAgent ?? ""), in: tx)
    }

    // MARK: Calendar feed

    /// A new private feed URL for the organization (the previous one stops working).
    public func createFeed(customer: SignedInCustomer, tenant: ResolvedTenant) async throws -> String {
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.calendarFeeds.replace(
                organization: customer.organizationId, tokenHash: AccountTokens.hash(token), in: tx)
        }
        return tenant.url(PublicRoutes.calendarFeed("\(token).ics"))
    }

    public func revokeFeed(customer: SignedInCustomer, tenant: ResolvedTenant) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.calendarFeeds.revoke(organization: customer.organizationId, in: tx)
        }
    }

    /// What a calendar app reads through the feed URL: the organization's visits from 90 days
    /// back; nil when no feed has this token (never issued, replaced or revoked).
    public func feed(token: String, tenant: ResolvedTenant, now: Date = Date()) async throws -> [Appointment]? {
        return try await pool.withTenant(tenant.id) { tx -> [Appointment]? in
            guard let organization = try await repositories.calendarFeeds.organization(tokenHash: AccountTokens.hash(token), in: tx) else {
                return nil
            }
            return try await repositories.appointments.list(organization: organization, from: now.addingTimeInterval(-90 * 86_400), to: nil, in: tx)
        }
    }
}

extension DateInput {
    /// A date (yyyy-mm-dd) and a time (HH:mm) as the instant they name in `zone` (the
    /// reader's); nil when either is malformed. A time the clocks skip that night is a
    /// validation error on `field`; a repeated one (clocks going back) is its first occurrence.
    static func time(_ date: String, _ time: String, field: String, zone: TimeZone = DisplayDate.current.zone) throws -> Date? {
        let parts = time.split(separator: ":")
        let day = date.split(separator: "-").compactMap { Int($0) }
        guard isISODate(date), day.count == 3, parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        switch LocalTime.read(year: day[0], month: day[1], day: day[2], hour: hour, minute: minute, in: zone) {
        case .instant(let instant): return instant
        case .skipped:
            throw AppError.validation([
                field:
                    "\(date) \(String(format: "%02d:%02d", hour, minute)) does not exist in \(zone.identifier): the clocks go forward that night. Choose a time an hour later."
            ])
        }
    }
}
