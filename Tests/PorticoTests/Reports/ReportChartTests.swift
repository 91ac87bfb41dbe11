import Foundation
import Testing

@testable import Portico

/// The report filter's defaults and limits, and the chart's layout, without a database.
@Suite("Reports: filter and chart layout")
struct ReportChartTests {
    static let today = ISO8601DateFormatter().date(from: "2026-03-12T15:00:00Z")!  // a Thursday

    @Test("no dates: the current week and the eleven before it; a category must be the tenant's")
    func filterDefaults() throws {
        let filter = try ReportFilter.parse([:], categories: ["Repair"], today: Self.today)
        #expect(filter == ReportFilter(from: "2025-12-22", to: "2026-03-12", category: nil))
        #expect(
            try ReportFilter.parse(["from": "2026-03-02", "to": "2026-03-02", "category": "Repair"], categories: ["Repair"], today: Self.today)
                == ReportFilter(from: "2026-03-02", to: "2026-03-02", category: "Repair"))
        // Two years is the most; one more day is refused.
        #expect(throws: Never.self) { try ReportFilter.parse(["from": "2024-03-11", "to": "2026-03-12"], categories: nil, today: Self.today) }
        #expect(throws: AppError.self) { try ReportFilter.parse(["from": "2024-03-10", "to": "2026-03-12"], categories: nil, today: Self.today) }
        #expect(throws: AppError.self) { try ReportFilter.parse(["to": "2026-02-29"], categories: nil, today: Self.today) }
        // A category on a report without categories (the operator's) is ignored, not an error.
        #expect(try ReportFilter.parse(["category": "x"], categories: nil, today: Self.today).category == nil)
        #expect(
            ReportFilter(from: "2026-03-02", to: "2026-03-15", category: "A+B & C").query
                == "from=2026-03-02&to=2026-03-15&category=A%2BB%20%26%20C")
    }

    @Test("bars scale to a round axis, one group per row, one colour per charted column")
    func chartLayout() {
        let table = ReportTable(
            id: "demo", title: "Demo", summary: "Numbers.", label: .init(key: "week", title: "Week"),
            columns: [.init(key: "a", title: "A"), .init(key: "b", title: "B"), .init(key: "rate", title: "Rate", charted: false)],
            unit: "things", rows: [.init(label: "2026-03-02", values: [10, 5, 99]), .init(label: "2026-03-09", values: [0, nil, nil])])
        let chart = ReportChart(table)
        #expect(chart.ticks.map(\.label) == ["0", "2.5", "5", "7.5", "10"])
        #expect(chart.bars.count == 4)
        #expect(chart.bars.map(\.series) == [0, 1, 0, 1])
        #expect(chart.bars[0].height == "192.0" && chart.bars[0].y == "44.0")  // the largest reaches the top
        #expect(chart.bars[1].height == "96.0")
        #expect(chart.bars[3].height == "0.0" && chart.bars[3].tip == "2026-03-09: B –")
        #expect(chart.xLabels.map(\.text) == ["2 Mar", "9 Mar"])
        #expect(chart.legend.map(\.text) == ["A", "B"])
        // Four long names do not fit one row: the legend wraps instead of running off the chart.
        let long = ReportTable(
            id: "long", title: "Long", summary: "", label: .init(key: "k", title: "K"),
            columns: [
                "Median hours to approval", "90th percentile hours to approval", "Median hours to completion",
                "90th percentile hours to completion",
            ].map { .init(key: $0, title: $0) },
            unit: "hours", rows: [])
        #expect(ReportChart(long).legend.map(\.swatchY) == ["8.0", "8.0", "8.0", "24.0"])
        #expect(
            ReportChart.niceCeiling(0) == 4 && ReportChart.niceCeiling(13) == 20 && ReportChart.niceCeiling(365.6) == 400
                && ReportChart.niceCeiling(401) == 500)
        #expect(table.csv == "\u{FEFF}week,a,b,rate\r\n2026-03-02,10,5,99\r\n2026-03-09,0,,\r\n")
    }
}
