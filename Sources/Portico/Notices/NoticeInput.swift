import Foundation
import Postgres

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
