import Foundation

/// Calendar days for tests that need one relative to today.
public enum TestDates {
    /// yyyy-mm-dd, `days` from today (UTC).
    public static func day(_ days: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(days) * 86_400))
    }
}
