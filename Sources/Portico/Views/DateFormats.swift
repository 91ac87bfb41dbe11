import Foundation

/// The date formats of pages, mail, forms and files, each built once and shared.
///
/// Every format is UTC with the POSIX locale (the console and mail say "UTC"; i18n will add
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
    static let dayTime = style("\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
    /// `2031-03-04T09:00`, what a `datetime-local` input holds (yyyy-MM-dd'T'HH:mm)
    static let localInput = style("\(year: .padded(4))-\(month: .twoDigits)-\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
    /// `09:00` (HH:mm)
    static let time = style("\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)")
    /// `Tue 4 Mar 2031` (EEE d MMM yyyy)
    static let shortDay = style("\(weekday: .abbreviated) \(day: .defaultDigits) \(month: .abbreviated) \(year: .padded(4))")
    /// `Tuesday 4 March 2031` (EEEE d MMMM yyyy)
    static let longDay = style("\(weekday: .wide) \(day: .defaultDigits) \(month: .wide) \(year: .padded(4))")
    /// `20310304T090000Z`, iCalendar's UTC form and backup file names (yyyyMMdd'T'HHmmss'Z')
    static let stamp = style("\(year: .padded(4))\(month: .twoDigits)\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)Z")
    /// `2031-03-04T09:00:00Z` (ISO 8601, internet date time)
    static let iso = Date.ISO8601FormatStyle(timeZone: utc)
}
