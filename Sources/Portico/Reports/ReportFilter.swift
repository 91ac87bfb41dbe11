import Foundation
import Postgres

/// The date range (and, for tenant reports, the category) a report covers, read from the
/// query string and checked before any query runs: a bad value is a 422 that says what to
/// type, never a 500 or an empty chart.
///
/// Weeks start on Monday and days are the tenant's local days; the first and last week count only the days
/// inside the range.
struct ReportFilter: Sendable, Equatable {
    /// First and last day, inclusive, as `YYYY-MM-DD`.
    let from: String
    let to: String
    /// nil: every category.
    let category: String?
    /// The zone whose days and weeks count (the tenant's; UTC for the platform's reports).
    var zone = "UTC"

    /// The longest range a report draws: two years of weekly bars is already 105 bars.
    static let maximumDays = 732
    /// With no dates given: the current week and the eleven before it.
    static let defaultWeeks = 12

    /// Reads `from`, `to` and `category`; `categories` are the names a category may take
    /// (nil: this report has no category filter).
    static func parse(
        _ query: [String: String], categories: [String]?, today: Date = Date(),
        zone: TimeZone = DateFormats.utc
    ) throws -> ReportFilter {
        var problems: [String: String] = [:]
        let fromText = query["from"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let toText = query["to"]?.trimmingCharacters(in: .whitespaces) ?? ""
        for (key, value) in [("from", fromText), ("to", toText)] where !value.isEmpty && !DateInput.isISODate(value) {
            problems[key] = L10n.t("reports.error.useDate")
        }
        if !problems.isEmpty {
            throw AppError.validation(problems, message: L10n.t("reports.error.notDates"))
        }
        let to = toText.isEmpty ? DisplayDate(zone: zone).day(today) : toText
        let from = fromText.isEmpty ? day(defaultStart(to)) : fromText
        guard let first = date(from), let last = date(to), first <= last else {
            throw AppError.validation(
                ["from": L10n.t("reports.error.startAfterEnd")],
                message: L10n.t("reports.error.startAfterEndMessage", ["from": from, "to": to]))
        }
        let days = Int(last.timeIntervalSince(first) / 86_400) + 1
        guard days <= maximumDays else {
            throw AppError.validation(
                ["from": L10n.t("reports.error.tooLong")],
                message: L10n.t("reports.error.tooLongMessage", ["days": "\(days)", "max": "\(maximumDays)"]))
        }
        var category: String? = nil
        if let categories, let asked = query["category"], !asked.isEmpty {
            guard categories.contains(asked) else {
                throw AppError.validation(
                    ["category": L10n.t("reports.error.category")],
                    message: L10n.t("reports.error.noCategory", ["name": String(asked.prefix(100))]))
            }
            category = asked
        }
        return ReportFilter(from: from, to: to, category: category, zone: TenantTimeZone.name(zone))
    }

    /// The query string that asks for this filter again (for CSV links).
    var query: String {
        var items = [URLQueryItem(name: "from", value: from), URLQueryItem(name: "to", value: to)]
        if let category { items.append(URLQueryItem(name: "category", value: category)) }
        var components = URLComponents()
        components.queryItems = items
        // `+` would read back as a space.
        return (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    // SQL fragments every report shares.

    /// The first instant of the range (local midnight of `from`).
    var start: SQL { "(\(from)::date::timestamp AT TIME ZONE \(zone))" }
    /// The first instant after the range (local midnight after `to`).
    var end: SQL { "((\(to)::date + 1)::timestamp AT TIME ZONE \(zone))" }
    /// One row per week of the range: `week`, a UTC timestamp (no zone) of its Monday.
    var weeks: SQL {
        "SELECT generate_series(date_trunc('week', \(from)::date::timestamp), date_trunc('week', \(to)::date::timestamp), interval '7 days') AS week"
    }
    /// The Monday (UTC, no zone) of the week `column` (a timestamptz) falls in.
    static func week(_ column: SQL) -> SQL { "date_trunc('week', \(column) AT TIME ZONE 'UTC')" }
    /// The Monday (local, no zone) of the week `column` (a timestamptz) falls in, in `zone`.
    func week(_ column: SQL) -> SQL { "date_trunc('week', \(column) AT TIME ZONE \(zone))" }
    /// `column` inside the range.
    func within(_ column: SQL) -> SQL { "\(column) >= \(start) AND \(column) < \(end)" }
    /// The category condition (true when every category is asked for).
    func categoryMatches(_ column: SQL) -> SQL { "(\(category)::text IS NULL OR \(column) = \(category))" }

    private static func defaultStart(_ to: String) -> Date {
        let last = date(to) ?? Date()
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let monday = calendar.dateInterval(of: .weekOfYear, for: last)?.start ?? last
        return monday.addingTimeInterval(-Double(defaultWeeks - 1) * 7 * 86_400)
    }

    private static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    static func day(_ date: Date) -> String {
        DateFormats.day.format(date)
    }
}
