import Foundation
import Testing

@testable import Portico

/// Dates are written in the reader's language (the page's or the email's), in the tenant's zone
/// with its short name: the same visit window in each shipped language, on an ordinary day and
/// across the night the clocks go back.
@Suite("Dates in the reader's language")
struct LocalizedDateTests {
    static func at(_ iso: String) -> Date { try! Date(iso, strategy: .iso8601) }

    static func window(_ start: String, _ end: String, zone: String, language: Language) -> String {
        let texts = Texts(catalog: MessageCatalog(language: language, messages: [:]))
        return Texts.$current.withValue(texts) {
            DisplayDate.$current.withValue(DisplayDate(zone: TimeZone(identifier: zone)!)) {
                DisplayDate.window(at(start), at(end))
            }
        }
    }

    @Test("a Saturday morning visit in Madrid, in en, es, pt-BR and fr; French names the zone GMT+1, not UTC+1, which would read as a UTC time")
    func ordinaryDay() {
        let (start, end) = ("2026-12-12T08:00:00Z", "2026-12-12T10:00:00Z")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .en) == "Sat 12 Dec 2026, 09:00–11:00 GMT+1")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .es) == "sábado, 12 de diciembre de 2026, 09:00–11:00 CET")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .ptBR) == "sábado, 12 de dezembro de 2026, 09:00–11:00 GMT+1")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .fr) == "samedi 12 décembre 2026, 09:00–11:00 GMT+1")
    }

    @Test("a visit across the night Madrid's clocks go back names both ends' zones, in every language")
    func fallBackNight() {
        // 01:30 CEST, then the clocks go from 03:00 CEST back to 02:00 CET, then 02:15 CET.
        let (start, end) = ("2026-10-24T23:30:00Z", "2026-10-25T01:15:00Z")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .en) == "Sun 25 Oct 2026, 01:30 GMT+2–02:15 GMT+1")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .es) == "domingo, 25 de octubre de 2026, 01:30 CEST–02:15 CET")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .ptBR) == "domingo, 25 de outubro de 2026, 01:30 GMT+2–02:15 GMT+1")
        #expect(Self.window(start, end, zone: "Europe/Madrid", language: .fr) == "dimanche 25 octobre 2026, 01:30 GMT+2–02:15 GMT+1")
    }

    @Test("English stays Portico's own layout in Chicago; Spanish there names the offset as Spanish does")
    func chicago() {
        let (start, end) = ("2026-11-01T06:30:00Z", "2026-11-01T07:15:00Z")  // 01:30 CDT – 01:15 CST
        #expect(Self.window(start, end, zone: "America/Chicago", language: .en) == "Sun 1 Nov 2026, 01:30 CDT–01:15 CST")
        #expect(Self.window(start, end, zone: "America/Chicago", language: .es) == "domingo, 1 de noviembre de 2026, 01:30 GMT-5–01:15 GMT-6")
    }

    @Test("the formats are built once per zone and locale and shared across threads")
    func cached() async {
        let zone = TimeZone(identifier: "America/Sao_Paulo")!
        let results = await withTaskGroup(of: String.self) { group in
            for _ in 0..<32 { group.addTask { DateFormats.local(zone, Language.ptBR.locale).longDay.format(Self.at("2026-12-12T12:00:00Z")) } }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(results == ["sábado, 12 de dezembro de 2026"])
    }

    @Test("sizes and percentages on pages are written as the reader's language writes numbers and units; English as before")
    func numbers() throws {
        let catalogs = try MessageCatalogTests.shipped()
        func inLanguage(_ language: Language, _ body: () -> String) -> String {
            Texts.$current.withValue(catalogs.texts(language), operation: body)
        }
        #expect(inLanguage(.en) { ByteCountText.display(2_621_440) } == "2.5 MB")
        #expect(inLanguage(.es) { ByteCountText.display(2_621_440) } == "2,5 MB")
        #expect(inLanguage(.fr) { ByteCountText.display(2_621_440) } == "2,5 Mo")
        #expect(inLanguage(.fr) { ByteCountText.display(10_240) } == "10 Ko")
        #expect(inLanguage(.en) { HistoryEntry.percent("40") } == "40 %")
        #expect(inLanguage(.ptBR) { HistoryEntry.percent("40") } == "40%")
        #expect(inLanguage(.es) { HistoryEntry.percent("40") } == "40\u{a0}%")
    }
}
