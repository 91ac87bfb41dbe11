import Foundation
import Testing

@testable import Portico

/// Numeric dates and times (`2031-03-04 09:00`) are written with integer arithmetic instead of
/// ICU's formatter; they must be the very text ICU writes, in every zone (half- and
/// quarter-hour offsets, clock changes, the date line) and at the edges of the fast range.
@Suite("Numeric dates without ICU")
struct NumericDateStyleTests {
    static let zones = [
        "UTC", "Europe/Madrid", "America/Chicago", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
        "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo",
    ]

    /// Instants across 1960–2110: steps of a prime number of seconds (so minutes, hours and days
    /// all vary), every hour around this year's clock changes in America and Europe, and the edges of the fast range.
    static let instants: [Date] = {
        var seconds: [Double] = []
        var t = -315_619_200.0  // 1960-01-01
        while t < 4_417_977_600 {  // 2110-01-01
            seconds.append(t)
            t += 2_753_533
        }
        // 2026-03-08 and 2026-11-01 (the United States), 2026-03-28 and 2026-10-24 (Europe).
        let clockChanges = [1_772_928_000.0, 1_793_491_200, 1_774_656_000, 1_792_800_000].map(Date.init(timeIntervalSince1970:))
        for day in clockChanges {
            for hour in -72...72 { seconds.append(day.timeIntervalSince1970 + Double(hour) * 3_600 + 59) }
        }
        seconds += [946_684_799, 946_684_800, 946_684_800.999, 4_102_444_799.5, 4_102_444_800, 0, -1, -86_400.5]
        return seconds.map(Date.init(timeIntervalSince1970:))
    }()

    @Test("day, day and time, datetime-local and time agree with ICU in eleven zones from 1960 to 2110", arguments: zones)
    func agreesWithICU(zone: String) throws {
        let formats = DateFormats.Local(zone: try #require(TimeZone(identifier: zone)), locale: Locale(identifier: "es_ES"))
        for style in [formats.day, formats.dayTime, formats.localInput, formats.time] {
            for instant in Self.instants {
                let ours = style.format(instant)
                let icu = style.verbatim.format(instant)
                #expect(ours == icu, "\(zone) \(style.layout) at \(instant.timeIntervalSince1970)")
                if ours != icu { return }
            }
        }
    }

    @Test("the layouts read as before: 2031-03-04, 2031-03-04 09:05, 2031-03-04T09:05, 09:05")
    func layouts() throws {
        let formats = DateFormats.Local(zone: try #require(TimeZone(identifier: "America/Chicago")), locale: Locale(identifier: "en_US"))
        let instant = try Date("2031-03-04T15:05:30Z", strategy: .iso8601)
        #expect(formats.day.format(instant) == "2031-03-04")
        #expect(formats.dayTime.format(instant) == "2031-03-04 09:05")
        #expect(formats.localInput.format(instant) == "2031-03-04T09:05")
        #expect(formats.time.format(instant) == "09:05")
    }
}
