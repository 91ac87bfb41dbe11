import Foundation
import Postgres

/// A tenant's session and security options, each within safe bounds.
public struct SecuritySettings: Sendable, Decodable, Equatable {
    public var staffIdleMinutes: Int
    public var customerIdleHours: Int
    public var rememberMeDays: Int
    public var requireStaffTotp: Bool

    public static let staffIdleBounds = 5...60
    public static let customerIdleBounds = 1...72
    public static let rememberMeBounds = 1...90
    /// A remembered device that goes unused this long is signed out even before its duration ends.
    public static let rememberIdleCapDays = 30

    public static let defaults = SecuritySettings(staffIdleMinutes: 30, customerIdleHours: 24, rememberMeDays: 90, requireStaffTotp: false)

    public init(staffIdleMinutes: Int, customerIdleHours: Int, rememberMeDays: Int, requireStaffTotp: Bool) {
        self.staffIdleMinutes = staffIdleMinutes
        self.customerIdleHours = customerIdleHours
        self.rememberMeDays = rememberMeDays
        self.requireStaffTotp = requireStaffTotp
    }

    /// Idle timeout in seconds for a new session of this kind.
    public func idleSeconds(_ kind: PrincipalKind, remember: Bool) -> Int {
        switch kind {
        case .staff: staffIdleMinutes * 60
        case .customer: remember ? min(rememberMeDays, Self.rememberIdleCapDays) * 86_400 : customerIdleHours * 3600
        }
    }

    /// Reads the form; every field outside its bounds is explained.
    public static func parse(_ form: FormFields) throws -> SecuritySettings {
        var problems: [String: String] = [:]
        func number(_ field: String, _ bounds: ClosedRange<Int>, _ problemKey: String) -> Int {
            let text = form.text(field).trimmingCharacters(in: .whitespaces)
            guard let value = Int(text), bounds.contains(value) else {
                problems[field] = L10n.t(problemKey, ["min": "\(bounds.lowerBound)", "max": "\(bounds.upperBound)"])
                return bounds.lowerBound
            }
            return value
        }
        let staff = number("staff_idle_minutes", staffIdleBounds, "console.settings.security.badStaffIdle")
        let customer = number("customer_idle_hours", customerIdleBounds, "console.settings.security.badCustomerIdle")
        let remember = number("remember_me_days", rememberMeBounds, "console.settings.security.badRememberMe")
        let require = form.text("require_staff_totp")
        if !["", "yes", "no"].contains(require) { problems["require_staff_totp"] = L10n.t("console.settings.security.chooseYesNo") }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return SecuritySettings(staffIdleMinutes: staff, customerIdleHours: customer, rememberMeDays: remember, requireStaffTotp: require == "yes")
    }
}

/// What a notice form says.
public struct NoticeInput: Sendable {
    public static let kinds = ["outage", "maintenance", "information"]
    public var kind: String
    public var title: String
    public var body: String
    public var startsAt: Date
    public var endsAt: Date?
    /// The title and body in the tenant's other languages.
    public var translations = TextTranslations()

    public init(kind: String, title: String, body: String, startsAt: Date, endsAt: Date?) {
        self.kind = kind
        self.title = title
        self.body = body
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    /// `datetime-local` values (`2025-06-01T08:00`, seconds or a space allowed), read in the
    /// reader's zone; a time the clocks skip is a validation error on `field`.
    static func parseTime(_ text: String, field: String) throws -> Date? {
        let separator = text.contains("T") ? "T" : " "
        let parts = text.split(separator: separator, maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let time = parts[1].split(separator: ":")
        guard time.count == 2 || (time.count == 3 && time[2].count == 2 && Int(time[2]) != nil) else { return nil }
        return try DateInput.time(parts[0], time.prefix(2).joined(separator: ":"), field: field)
    }

    static func formatTime(_ date: Date) -> String {
        DisplayDate.current.formats.localInput.format(date)
    }

    /// Reads the form; an empty start means now.
    public static func parse(_ form: FormFields, now: Date = Date()) throws -> NoticeInput {
        var problems: [String: String] = [:]
        let kind = form.text("kind")
        if !kinds.contains(kind) { problems["kind"] = L10n.t("console.settings.notices.chooseKind") }
        let title = form.text("title").trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty {
            problems["title"] = L10n.t("console.settings.notices.enterTitle")
        } else if title.count > 200 {
            problems["title"] = L10n.t("console.settings.notices.titleTooLong")
        }
        let body = form.text("body").trimmingCharacters(in: .whitespacesAndNewlines)
        if body.count > 5000 { problems["body"] = L10n.t("console.settings.notices.detailsTooLong") }
        var startsAt = now
        let startText = form.text("starts_at").trimmingCharacters(in: .whitespaces)
        if !startText.isEmpty {
            if let date = try parseTime(startText, field: "starts_at") {
                startsAt = date
            } else {
                problems["starts_at"] = L10n.t("console.settings.notices.badStart")
            }
        }
        var endsAt: Date?
        let endText = form.text("ends_at").trimmingCharacters(in: .whitespaces)
        if !endText.isEmpty {
            if let date = try parseTime(endText, field: "ends_at") {
                endsAt = date
                if problems["starts_at"] == nil, date <= startsAt { problems["ends_at"] = L10n.t("console.settings.notices.endBeforeStart") }
            } else {
                problems["ends_at"] = L10n.t("console.settings.notices.badEnd")
            }
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return NoticeInput(kind: kind, title: title, body: body, startsAt: startsAt, endsAt: endsAt)
    }
}

/// A frequently asked question as the console edits it.
public struct FAQEntry: Sendable, Decodable {
    public let id: UUID
    public let question: String
    public let answer: String
    public let position: Int
    /// The question and answer in the tenant's other languages.
    public let translations: TextTranslations
}

/// Where a list item moves.
public enum MoveDirection: String, Sendable {
    case up, down
}

/// The tenant's settings: work-order categories, FAQ entries, service notices, and session and
/// security options. Constraint violations become domain errors here.
public protocol TenantSettingsRepository: Sendable {
    func categories(in transaction: TenantTransaction) async throws -> [WorkOrderCategory]
    func category(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrderCategory?
    /// How many work orders carry this category name.
    func ordersUsing(category name: String, in transaction: TenantTransaction) async throws -> Int
    func createCategory(
        name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> WorkOrderCategory
    func updateCategory(
        id: UUID, name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> Bool
    func setCategoryActive(id: UUID, active: Bool, in transaction: TenantTransaction) async throws -> Bool
    func deleteCategory(id: UUID, in transaction: TenantTransaction) async throws -> Bool
    func moveCategory(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool

    func faqEntries(in transaction: TenantTransaction) async throws -> [FAQEntry]
    func faqEntry(id: UUID, in transaction: TenantTransaction) async throws -> FAQEntry?
    func createFAQ(question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction) async throws -> FAQEntry
    func updateFAQ(
        id: UUID, question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> Bool
    func deleteFAQ(id: UUID, in transaction: TenantTransaction) async throws -> Bool
    func moveFAQ(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool

    func notices(in transaction: TenantTransaction) async throws -> [ServiceNotice]
    func notice(id: UUID, in transaction: TenantTransaction) async throws -> ServiceNotice?
    func createNotice(_ input: NoticeInput, in transaction: TenantTransaction) async throws -> ServiceNotice
    func updateNotice(id: UUID, _ input: NoticeInput, in transaction: TenantTransaction) async throws -> Bool
    /// Marks an unresolved notice resolved; false when it is missing or already resolved.
    func resolveNotice(id: UUID, in transaction: TenantTransaction) async throws -> Bool

    func security(in transaction: TenantTransaction) async throws -> SecuritySettings
    /// Saves the options and applies the timeouts to the sessions already open.
    func saveSecurity(_ settings: SecuritySettings, in transaction: TenantTransaction) async throws

    /// The origins whose pages may call `/api/v1` from a browser (empty: none, the default).
    func apiCORSOrigins(in transaction: TenantTransaction) async throws -> CORSOrigins
    func saveAPICORSOrigins(_ origins: CORSOrigins, in transaction: TenantTransaction) async throws
}

public struct PostgresTenantSettingsRepository: TenantSettingsRepository {
    public init() {}

    static let categoryColumns: SQL = "id, name, help_text, position, active, translations"
    static let noticeColumns: SQL = "id, kind, title, body, starts_at, ends_at, resolved_at, created_at, translations"
    static let faqColumns: SQL = "id, question, answer, position, translations"

    func duplicateName(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "category_exists", L10n.t("console.settings.categories.exists"),
                fields: ["name": L10n.t("console.settings.categories.existsField")])
        }
    }

    // MARK: Categories

    public func categories(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await WorkOrderCategories.all(in: transaction)
    }

    public func category(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrderCategory? {
        try await transaction.first("SELECT \(Self.categoryColumns) FROM work_order_categories WHERE id = \(id)")?.decode(WorkOrderCategory.self)
    }

    public func ordersUsing(category name: String, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.scalar("SELECT count(*)::int FROM work_orders WHERE category = \(name)", as: Int.self) ?? 0
    }

    public func createCategory(
        name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> WorkOrderCategory
    {
        var created: WorkOrderCategory?
        try await duplicateName {
            created = try await transaction.first(
                """
                INSERT INTO work_order_categories (tenant_id, name, help_text, translations, position)
                SELECT \(transaction.tenant), \(name), \(helpText), \(JSONParameter(translations))::jsonb, COALESCE(max(position) + 1, 0)
                  FROM work_order_categories
                RETURNING \(Self.categoryColumns)
                """)?.decode(WorkOrderCategory.self)
        }
        guard let created else { throw AppError(.conflict, code: "category_not_created", L10n.t("console.settings.categories.notCreated")) }
        return created
    }

    public func updateCategory(
        id: UUID, name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    )
        async throws -> Bool
    {
        var rows = 0
        try await duplicateName {
            rows = try await transaction.execute(
                """
                UPDATE work_order_categories SET name = \(name), help_text = \(helpText), translations = \(JSONParameter(translations))::jsonb
                 WHERE id = \(id)
                """)
        }
        return rows == 1
    }

    public func setCategoryActive(id: UUID, active: Bool, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("UPDATE work_order_categories SET active = \(active) WHERE id = \(id)") == 1
    }

    public func deleteCategory(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM work_order_categories WHERE id = \(id)") == 1
    }

    public func moveCategory(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool {
        try await Self.move(id, direction, in: .categories, transaction)
    }

    /// The tenant lists staff order by hand (`position`), each with its tie-breaker.
    enum OrderedList {
        case categories, faq

        var ids: SQL {
            switch self {
            case .categories: "SELECT id FROM work_order_categories ORDER BY position, name FOR UPDATE"
            case .faq: "SELECT id FROM faq_entries ORDER BY position, question FOR UPDATE"
            }
        }

        func renumber(_ order: [UUID]) -> SQL {
            switch self {
            case .categories:
                "UPDATE work_order_categories t SET position = o.ord - 1 FROM unnest(\(order)::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE t.id = o.id"
            case .faq:
                "UPDATE faq_entries t SET position = o.ord - 1 FROM unnest(\(order)::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE t.id = o.id"
            }
        }
    }

    /// Swaps `id` with its neighbour and renumbers the whole list (locked, so two staff moving
    /// at once cannot interleave); false when the list has no such row.
    static func move(_ id: UUID, _ direction: MoveDirection, in list: OrderedList, _ transaction: TenantTransaction) async throws -> Bool {
        let ids = try await transaction.rows(list.ids).map { try $0.decode(at: 0, as: UUID.self) }
        guard let order = moved(ids, id, direction) else { return false }
        try await transaction.execute(list.renumber(order))
        return true
    }

    /// The list with `id` swapped with its neighbour; nil when `id` is not in it.
    static func moved(_ ids: [UUID], _ id: UUID, _ direction: MoveDirection) -> [UUID]? {
        guard let index = ids.firstIndex(of: id) else { return nil }
        var order = ids
        let other = direction == .up ? index - 1 : index + 1
        if order.indices.contains(other) { order.swapAt(index, other) }
        return order
    }

    // MARK: FAQ

    public func faqEntries(in transaction: TenantTransaction) async throws -> [FAQEntry] {
        try await transaction.rows("SELECT \(Self.faqColumns) FROM faq_entries ORDER BY position, question").map {
            try $0.decode(FAQEntry.self)
        }
    }

    public func faqEntry(id: UUID, in transaction: TenantTransaction) async throws -> FAQEntry? {
        try await transaction.first("SELECT \(Self.faqColumns) FROM faq_entries WHERE id = \(id)")?.decode(FAQEntry.self)
    }

    public func createFAQ(
        question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> FAQEntry
    {
        guard
            let entry = try await transaction.first(
                """
                INSERT INTO faq_entries (tenant_id, question, answer, translations, position)
                SELECT \(transaction.tenant), \(question), \(answer), \(JSONParameter(translations))::jsonb, COALESCE(max(position) + 1, 0)
                  FROM faq_entries
                RETURNING \(Self.faqColumns)
                """)?.decode(FAQEntry.self)
        else { throw AppError(.conflict, code: "faq_not_created", L10n.t("errors.questionNotAdded")) }
        return entry
    }

    public func updateFAQ(
        id: UUID, question: String, answer: String, translations: TextTranslations, in transaction: TenantTransaction
    )
        async throws -> Bool
    {
        try await transaction.execute(
            """
            UPDATE faq_entries SET question = \(question), answer = \(answer), translations = \(JSONParameter(translations))::jsonb
             WHERE id = \(id)
            """) == 1
    }

    public func deleteFAQ(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM faq_entries WHERE id = \(id)") == 1
    }

    public func moveFAQ(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool {
        try await Self.move(id, direction, in: .faq, transaction)
    }

    // MARK: Notices

    public func notices(in transaction: TenantTransaction) async throws -> [ServiceNotice] {
        try await transaction.rows("SELECT \(Self.noticeColumns) FROM service_notices ORDER BY (resolved_at IS NULL) DESC, starts_at DESC LIMIT 200")
            .map { try $0.decode(ServiceNotice.self) }
    }

    public func notice(id: UUID, in transaction: TenantTransaction) async throws -> ServiceNotice? {
        try await transaction.first("SELECT \(Self.noticeColumns) FROM service_notices WHERE id = \(id)")?.decode(ServiceNotice.self)
    }

    public func createNotice(_ input: NoticeInput, in transaction: TenantTransaction) async throws -> ServiceNotice {
        guard
            let notice = try await transaction.first(
                """
                INSERT INTO service_notices (tenant_id, kind, title, body, starts_at, ends_at, translations)
                VALUES (\(transaction.tenant), \(input.kind), \(input.title), \(input.body), \(input.startsAt), \(input.endsAt),
                        \(JSONParameter(input.translations))::jsonb)
                RETURNING \(Self.noticeColumns)
                """)?.decode(ServiceNotice.self)
        else { throw AppError(.conflict, code: "notice_not_created", L10n.t("console.settings.notices.notCreated")) }
        return notice
    }

    public func updateNotice(id: UUID, _ input: NoticeInput, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute(
            """
            UPDATE service_notices SET kind = \(input.kind), title = \(input.title), body = \(input.body),
                   starts_at = \(input.startsAt), ends_at = \(input.endsAt), translations = \(JSONParameter(input.translations))::jsonb
             WHERE id = \(id)
            """) == 1
    }

    public func resolveNotice(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("UPDATE service_notices SET resolved_at = now() WHERE id = \(id) AND resolved_at IS NULL") == 1
    }

    // MARK: Security

    public func security(in transaction: TenantTransaction) async throws -> SecuritySettings {
        try await transaction.first(
            """
            SELECT staff_idle_minutes, customer_idle_hours, remember_me_days, require_staff_totp FROM tenant_settings
            """)?.decode(SecuritySettings.self) ?? .defaults
    }

    public func saveSecurity(_ settings: SecuritySettings, in transaction: TenantTransaction) async throws {
        do {
            try await transaction.execute(
                """
                INSERT INTO tenant_settings (tenant_id, staff_idle_minutes, customer_idle_hours, remember_me_days, require_staff_totp)
                VALUES (\(transaction.tenant), \(settings.staffIdleMinutes), \(settings.customerIdleHours), \(settings.rememberMeDays),
                        \(settings.requireStaffTotp))
                ON CONFLICT (tenant_id) DO UPDATE SET staff_idle_minutes = EXCLUDED.staff_idle_minutes,
                       customer_idle_hours = EXCLUDED.customer_idle_hours, remember_me_days = EXCLUDED.remember_me_days,
                       require_staff_totp = EXCLUDED.require_staff_totp, updated_at = now()
                """)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw AppError.validation([:], message: L10n.t("console.settings.security.outOfRange"))
        }
        // Sessions already open follow the new timeouts from their next request on.
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.staff, remember: false)) WHERE principal_kind = 'staff'
            """)
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.customer, remember: false))
             WHERE principal_kind = 'customer' AND NOT remember
            """)
        try await transaction.execute(
            """
            UPDATE sessions SET idle_timeout_seconds = \(settings.idleSeconds(.customer, remember: true)),
                   expires_at = LEAST(expires_at, created_at + make_interval(days => \(settings.rememberMeDays)))
             WHERE principal_kind = 'customer' AND remember
            """)
    }

    // MARK: API access

    public func apiCORSOrigins(in transaction: TenantTransaction) async throws -> CORSOrigins {
        let origins = try await transaction.scalar("SELECT api_cors_origins FROM tenant_settings", as: [String].self)
        return CORSOrigins(origins ?? [])
    }

    public func saveAPICORSOrigins(_ origins: CORSOrigins, in transaction: TenantTransaction) async throws {
        do {
            try await transaction.execute(
                """
                INSERT INTO tenant_settings (tenant_id, api_cors_origins) VALUES (\(transaction.tenant), \(origins.origins)::text[])
                ON CONFLICT (tenant_id) DO UPDATE SET api_cors_origins = EXCLUDED.api_cors_origins, updated_at = now()
                """)
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw AppError.validation(["origins": "List at most \(CORSOrigins.maximum) origins."])
        }
    }
}
