import Foundation
import Postgres

/// Dates as people read them: in the zone of whoever reads (the tenant's, or a staff member's
/// own in the console) and in their locale, with the zone's short name where a reader could
/// otherwise guess wrong (visit windows, "sent at" times). Never "UTC": machines get ISO 8601.
public struct DisplayDate: Sendable {
    let formats: DateFormats.Local

    init(zone: TimeZone, locale: Locale = .portico) {
        formats = DateFormats.local(zone, locale)
    }

    var zone: TimeZone { formats.zone }

    /// The reader of the current request or job. `SessionMiddleware` sets it for every page of a
    /// tenant's site; jobs that write mail set it per tenant. Streamed bodies run after the
    /// handler returns, outside this scope: they capture a `DisplayDate` instead.
    @TaskLocal static var current = DisplayDate(zone: DateFormats.utc)

    /// "2031-03-04 09:00 CST"
    func dateTime(_ date: Date) -> String {
        formats.dayTime.format(date) + " " + formats.zoneName.format(date)
    }

    /// "Tue 4 Jun 2024, 09:00–12:00 CDT" ("sábado, 12 de diciembre de 2026, 09:00–11:00 CET"); both ends named when a clock change falls inside
    /// ("Sun 1 Nov 2026, 01:30 CDT–01:15 CST").
    func window(_ start: Date, _ end: Date) -> String {
        let startZone = formats.zoneName.format(start), endZone = formats.zoneName.format(end)
        let day = self.day(of: start)
        if startZone == endZone {
            return "\(day), \(formats.time.format(start))–\(formats.time.format(end)) \(endZone)"
        }
        return "\(day), \(formats.time.format(start)) \(startZone)–\(formats.time.format(end)) \(endZone)"
    }

    /// "14:05 CST"
    func time(_ date: Date) -> String {
        formats.time.format(date) + " " + formats.zoneName.format(date)
    }

    /// "Tue 4 Jun 2024"; other languages write the day out as their readers do ("martes, 4 de
    /// junio de 2024", "terça-feira, 4 de junho de 2024", "mardi 4 juin 2024").
    func date(_ date: Date) -> String {
        day(of: date)
    }

    private func day(of date: Date) -> String {
        (formats.locale.language.languageCode == .english ? formats.shortDay : formats.longDay).format(date)
    }

    /// "2031-03-04T09:00:00-06:00": ISO 8601 with this zone's offset, for files people open.
    func iso(_ date: Date) -> String {
        formats.iso.format(date)
    }

    /// The calendar day (yyyy-mm-dd) `date` falls on here.
    func day(_ date: Date) -> String {
        formats.day.format(date)
    }

    /// SQL for the first instant of the local day `day` (yyyy-mm-dd) here: a `date` compared with
    /// a `timestamptz` would mean midnight in the session's zone (UTC), not the reader's.
    func startOfDay(_ day: String) -> SQL { "(\(day)::date::timestamp AT TIME ZONE \(zone.identifier))" }
    /// SQL for the first instant after the local day `day`.
    func endOfDay(_ day: String) -> SQL { "((\(day)::date + 1)::timestamp AT TIME ZONE \(zone.identifier))" }

    /// The current reader's zone in the current language: the page's negotiated language, or
    /// an email's recipient's while `Outbox` renders it (`Texts.current`). English keeps
    /// Portico's `en_US` layout, whichever English the reader asked for.
    static var reader: DisplayDate {
        guard let language = Texts.current?.language, language != .en else { return current }
        let locale = language.locale
        return locale == current.formats.locale ? current : DisplayDate(zone: current.zone, locale: locale)
    }

    static func dateTime(_ date: Date) -> String { reader.dateTime(date) }
    static func window(_ start: Date, _ end: Date) -> String { reader.window(start, end) }
    static func time(_ date: Date) -> String { reader.time(date) }
    static func date(_ date: Date) -> String { reader.date(date) }

    /// A calendar day stored without a time (a task's due date, yyyy-mm-dd) as the reader says
    /// it: "Tue 4 Jun 2024", "martes, 4 de junio de 2024". Noon of that day in the reader's own
    /// zone, so no zone can move it to the day before or after. Anything else comes back as is.
    static func day(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard text.count == 10, parts.count == 3 else { return text }
        let reader = reader
        guard
            let noon = reader.formats.calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)),
            reader.formats.day.format(noon) == text
        else { return text }
        return reader.date(noon)
    }
}

/// A tenant's (or a staff member's) zone: an IANA name the system zone database knows.
public enum TenantTimeZone {
    /// Why `text` cannot be a zone, or nil when it can. Only names of the zone database count
    /// (`America/Chicago`), not abbreviations (`CST`) or offsets (`GMT+5`), which ignore DST.
    public static func problem(_ text: String) -> String? {
        let name = text.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { return L10n.t("console.settings.timeZone.choose") }
        guard name == "UTC" || known.contains(name), TimeZone(identifier: name) != nil else {
            return L10n.t("console.settings.timeZone.unknown", ["name": String(name.prefix(64))])
        }
        return nil
    }

    /// The name to show for `zone` in a form: Foundation calls UTC "GMT" (the same zone).
    public static func name(_ zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    /// The zone for a stored name; UTC when the database no longer knows it.
    public static func zone(_ name: String) -> TimeZone {
        TimeZone(identifier: name) ?? DateFormats.utc
    }

    /// Every name the system zone database knows, sorted: the choices a form offers.
    public static let known: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers)
    public static let choices: [String] = (["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0 != "UTC" }.sorted())
}

/// Wall-clock times people type, read in a zone.
enum LocalTime {
    enum Reading: Equatable {
        case instant(Date)
        /// The clocks skip this time that day (spring forward).
        case skipped
    }

    /// The instant a wall-clock time names in `zone`. An ambiguous time (the hour repeated
    /// when clocks go back) is its first occurrence; a skipped one is `.skipped`.
    static func read(year: Int, month: Int, day: Int, hour: Int, minute: Int, in zone: TimeZone) -> Reading {
        var components = DateComponents()
        (components.year, components.month, components.day, components.hour, components.minute) = (year, month, day, hour, minute)
        let naive = DateFormats.calendar.date(from: components)!  // the wall-clock time as if at UTC
        // The offsets around that time: an instant is a reading when the zone has that offset then.
        let offsets = Set([-86_400.0, 0, 86_400].map { zone.secondsFromGMT(for: naive.addingTimeInterval($0)) })
        let readings = offsets.map { naive.addingTimeInterval(-Double($0)) }.filter { candidate in
            offsets.contains(zone.secondsFromGMT(for: candidate)) && Double(zone.secondsFromGMT(for: candidate)) == naive.timeIntervalSince(candidate)
        }
        guard let first = readings.min() else { return .skipped }
        return .instant(first)
    }
}
