import Foundation

/// ISO 8601 timestamps as stored in history and sent in forms.
public enum ISODates {
    public static func format(_ date: Date) -> String {
        DateFormats.iso.format(date)
    }

    /// With microseconds, for keyset cursors that must not lose precision.
    public static func formatPrecise(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int(((seconds - whole) * 1_000_000).rounded())
        let base = DateFormats.iso.format(Date(timeIntervalSince1970: whole)).dropLast()  // drop "Z"
        return "\(base).\(String(format: "%06d", min(micros, 999_999)))Z"
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A yyyy-mm-dd day as midnight UTC.
    public static func parseDay(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return text.count == 10 ? formatter.date(from: text) : nil
    }

    /// The reader's calendar day (the tenant's, in a request or job) at `now`, as yyyy-mm-dd.
    public static func today(_ now: Date = Date()) -> String {
        DisplayDate.current.day(now)
    }
}
