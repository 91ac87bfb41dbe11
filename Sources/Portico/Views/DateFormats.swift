import Foundation
import Synchronization

/// The date formats of pages, mail, forms and files, each built once and shared.
///
/// These are UTC with the POSIX locale (the console and mail say "UTC"; i18n will add
/// per-locale styles here). They are `Date.VerbatimFormatStyle` / `Date.ISO8601FormatStyle`
/// values: `Sendable`, immutable and safe to use from any thread, unlike `DateFormatter`. A
/// `DateFormatter` built per call cost about 100–150 µs of CPU (ICU setup) and was built on
/// every call at some 15 sites; a shared style formats in about 2 µs, as fast as a per-thread
/// cached `DateFormatter` without the thread-local bookkeeping (docs/architecture.md, "Rendering").
enum DateFormats {
    static let utc = TimeZone(identifier: "UTC")!
    static let posix = Locale(identifier: "en_US_POSIX")
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        calendar.locale = posix
        return calendar
    }()

    private static func style(_ format: Date.FormatString) -> Date.VerbatimFormatStyle {
        Date.VerbatimFormatStyle(format: format, locale: posix, timeZone: utc, calendar: calendar)
    }

    /// `2031-03-04` (yyyy-MM-dd)
    static let day = style("\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits)")
    /// `2031-03-04 09:00` (yyyy-MM-dd HH:mm)
    static let dayTime = style(
        "\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
    )
    /// `2031-03-04T09:00`, what a `datetime-local` input holds (yyyy-MM-dd'T'HH:mm)
    static let localInput = style(
        "\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
    )
    /// `09:00` (HH:mm)
    static let time = style("\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
    /// `Tue 4 Mar 2031` (EEE d MMM yyyy)
    static let shortDay = style("\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated) \(year: .padded(4))")
    /// `Tuesday 4 March 2031` (EEEE d MMMM yyyy)
    static let longDay = style("\(weekday: .wide) \(day: .defaultDigits) \(month: .wide) \(year: .padded(4))")
    /// `20310304T090000Z`, iCalendar's UTC form and backup file names (yyyyMMdd'T'HHmmss'Z')
    static let stamp = style(
        "\(year: .padded(4))\(month: .twoDigits)\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)Z"
    )
    /// `2031-03-04T09:00:00Z` (ISO 8601, internet date time)
    static let iso = Date.ISO8601FormatStyle(timeZone: utc)
}

extension DateFormats {
    /// The person-facing formats for one time zone and locale. Built once per (zone, locale)
    /// by `DateFormats.local(_:_:)` and shared: every member is an immutable `Sendable` style.
    struct Local: Sendable {
        let zone: TimeZone
        let locale: Locale
        let calendar: Calendar
        /// `2031-03-04`
        let day: NumericDateStyle
        /// `2031-03-04 09:00`
        let dayTime: NumericDateStyle
        /// `2031-03-04T09:00`, a `datetime-local` input's value
        let localInput: NumericDateStyle
        /// `09:00`
        let time: NumericDateStyle
        /// `Tue 4 Mar 2031`, `mar, 4 mar 2031`, `mar. 4 mars 2031`
        let shortDay: DayStyle
        /// `Tuesday 4 March 2031`, `martes, 4 de marzo de 2031`, `mardi 4 mars 2031`
        let longDay: DayStyle
        /// `CST`, `CDT`, `GMT+1`: the zone's short name at an instant, as the locale writes it (never `UTC+1`)
        let zoneName: Date.VerbatimFormatStyle
        /// `2031-03-04T09:00:00-06:00`: ISO 8601 with the zone's offset (files people open)
        let iso: Date.ISO8601FormatStyle

        init(zone: TimeZone, locale: Locale) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            calendar.locale = locale
            func style(_ format: Date.FormatString, locale: Locale) -> Date.VerbatimFormatStyle {
                Date.VerbatimFormatStyle(format: format, locale: locale, timeZone: zone, calendar: calendar)
            }
            // Numeric layouts keep the POSIX locale (digits and separators fixed); the names
            // (weekday, month, zone) follow the person's locale.
            let posix = DateFormats.posix
            self.zone = zone
            self.locale = locale
            self.calendar = calendar
            func numeric(_ layout: NumericDateStyle.Layout, _ format: Date.FormatString) -> NumericDateStyle {
                NumericDateStyle(layout: layout, zone: zone, verbatim: style(format, locale: posix))
            }
            day = numeric(.day, "\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits)")
            dayTime = numeric(
                .dayTime,
                "\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
            )
            localInput = numeric(
                .localInput,
                "\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
            )
            time = numeric(.time, "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
            if locale.language.languageCode == .english {
                // Portico's own English layout, the same in every English locale.
                shortDay = .verbatim(
                    style("\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated) \(year: .padded(4))", locale: locale))
                longDay = .verbatim(style("\(weekday: .wide) \(day: .defaultDigits) \(month: .wide) \(year: .padded(4))", locale: locale))
            } else {
                // The locale's own order, words and punctuation ("martes, 4 de marzo de 2031").
                let base = Date.FormatStyle(locale: locale, calendar: calendar, timeZone: zone)
                shortDay = .localized(base.weekday(.abbreviated).day().month(.abbreviated).year())
                longDay = .localized(base.weekday(.wide).day().month(.wide).year())
            }
            // French writes zones without an abbreviation of their own as "UTC+1", which reads as
            // a UTC time to a subscriber; the English abbreviation ("CET") is understood and is not.
            let localZoneName = style("\(timeZone: .specificName(.short))", locale: locale)
            let now = Date()
            let writesUTC = [now, now.addingTimeInterval(182 * 86_400)].contains { localZoneName.format($0).contains("UTC") }
            zoneName = writesUTC ? style("\(timeZone: .specificName(.short))", locale: Locale(identifier: "en_US")) : localZoneName
            iso = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: zone)
        }
    }

    /// A day's name in a person's language: a fixed layout (English) or the locale's own.
    enum DayStyle: Sendable {
        case verbatim(Date.VerbatimFormatStyle)
        case localized(Date.FormatStyle)

        func format(_ date: Date) -> String {
            switch self {
            case .verbatim(let style): style.format(date)
            case .localized(let style): style.format(date)
            }
        }
    }

    private static let cache = Mutex<[String: Local]>([:])

    /// The formats for `zone` in `locale`, built on first use and cached (ICU setup costs
    /// about 100 µs a style; a cached style formats in about 2 µs).
    static func local(_ zone: TimeZone, _ locale: Locale = .portico) -> Local {
        let key = zone.identifier + "|" + locale.identifier
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let built = Local(zone: zone, locale: locale)
        return cache.withLock { cache in
            if let raced = cache[key] { return raced }
            cache[key] = built
            return built
        }
    }
}

extension Locale {
    /// The locale person-facing dates use until a person's language is known (issue 17, i18n).
    static let portico = Locale(identifier: "en_US")
}
