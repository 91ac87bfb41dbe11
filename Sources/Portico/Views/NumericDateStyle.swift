import Foundation

/// A numeric date layout (`2031-03-04`, `2031-03-04 09:00`, `2031-03-04T09:00`, `09:00`) in one
/// zone, written with integer arithmetic from the zone's offset at the instant: the same text as
/// the ICU-backed `Date.VerbatimFormatStyle` it stands for, without ICU's formatter (that was
/// 3–4% of a list page's CPU, two dates per row). Instants outside 2000–2099 go to the ICU style,
/// so that calendars and zone rules of the past (Julian dates, local mean time) stay ICU's.
/// `NumericDateStyleTests` checks both agree across zones, years and clock changes.
struct NumericDateStyle: Sendable {
    enum Layout: Sendable {
        /// `yyyy-MM-dd`
        case day
        /// `yyyy-MM-dd HH:mm`
        case dayTime
        /// `yyyy-MM-dd'T'HH:mm`
        case localInput
        /// `HH:mm`
        case time
    }

    let layout: Layout
    let zone: TimeZone
    /// The same layout through ICU: the reference, and the formatter outside the fast range.
    let verbatim: Date.VerbatimFormatStyle

    /// 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z.
    static let fastRange = 946_684_800.0..<4_102_444_800.0

    func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard Self.fastRange.contains(seconds) else { return verbatim.format(date) }
        let local = Int(seconds.rounded(.down)) + zone.secondsFromGMT(for: date)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        func two(_ value: Int) {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        if layout != .time {
            let (year, month, day) = Self.civil(fromDays: days)
            two(year / 100)
            two(year % 100)
            bytes.append(UInt8(ascii: "-"))
            two(month)
            bytes.append(UInt8(ascii: "-"))
            two(day)
        }
        switch layout {
        case .day: return String(decoding: bytes, as: UTF8.self)
        case .dayTime: bytes.append(UInt8(ascii: " "))
        case .localInput: bytes.append(UInt8(ascii: "T"))
        case .time: break
        }
        two(secondOfDay / 3_600)
        bytes.append(UInt8(ascii: ":"))
        two(secondOfDay % 3_600 / 60)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
