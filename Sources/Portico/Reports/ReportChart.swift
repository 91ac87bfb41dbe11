import Foundation
import Mustache

/// A report's bar chart, laid out in Swift and drawn by the `partials/report-chart`
/// template as inline SVG: no script, no inline style (the CSP forbids both; colours come
/// from classes in the stylesheet), `role="img"` with a `<title>` and `<desc>`, and every
/// bar titled with its exact number. The table beside it carries the same numbers for
/// screen readers, so the SVG's parts are hidden from them.
@MustacheView
struct ReportChart: Sendable {
    @MustacheView
    struct Bar: Sendable { let x: String; let y: String; let width: String; let height: String; let series: Int; let tip: String }
    @MustacheView
    struct Tick: Sendable { let y: String; let labelY: String; let label: String }
    @MustacheView
    struct XLabel: Sendable { let x: String; let text: String }
    @MustacheView
    struct Legend: Sendable { let x: String; let y: String; let swatchX: String; let swatchY: String; let series: Int; let text: String }

    let id: String
    let title: String
    let summary: String
    let width = 720
    let height = 280
    // The plot area inside the 720 × 280 view box: room for the legend above, the axis
    // numbers on the left and the week labels below.
    static let left = 56.0
    static let right = 712.0
    static let top = 44.0
    static let bottom = 236.0
    // Stored, not computed: templates read values by reflection, which sees stored ones only.
    let plotLeft = ReportChart.point(ReportChart.left)
    let plotRight = ReportChart.point(ReportChart.right)
    let axisY = ReportChart.point(ReportChart.bottom)
    let labelsY = ReportChart.point(ReportChart.bottom + 18)
    let unitY = ReportChart.point(ReportChart.bottom + 36)
    var unitLabel: String
    let bars: [Bar]
    let ticks: [Tick]
    let xLabels: [XLabel]
    let legend: [Legend]
    let empty: Bool

    init(_ table: ReportTable) {
        id = "chart-" + table.id
        title = table.title
        summary = table.summary
        unitLabel = table.unit
        let charted = table.columns.indices.filter { table.columns[$0].charted }
        let largest = table.rows.flatMap { row in charted.compactMap { row.values[$0] } }.max() ?? 0
        let scale = Self.niceCeiling(largest)
        empty = largest == 0
        let (left, right, top, bottom) = (Self.left, Self.right, Self.top, Self.bottom)
        let plotHeight = bottom - top
        ticks = (0...4).map { step in
            let value = scale * Double(step) / 4
            let y = bottom - plotHeight * Double(step) / 4
            return Tick(y: Self.point(y), labelY: Self.point(y + 4), label: ReportTable.display(value))
        }
        let groups = max(table.rows.count, 1)
        let groupWidth = (right - left) / Double(groups)
        let barWidth = max(1, groupWidth * 0.8 / Double(max(charted.count, 1)))
        var bars: [Bar] = []
        var labels: [XLabel] = []
        // At most about twelve labels under the axis; every bar keeps its own title.
        let labelEvery = max(1, Int((Double(groups) / 12).rounded(.up)))
        for (index, row) in table.rows.enumerated() {
            let groupLeft = left + groupWidth * Double(index) + groupWidth * 0.1
            for (position, column) in charted.enumerated() {
                let value = row.values[column] ?? 0
                let height = scale > 0 ? plotHeight * value / scale : 0
                bars.append(
                    Bar(
                        x: Self.point(groupLeft + barWidth * Double(position)), y: Self.point(bottom - height),
                        width: Self.point(barWidth), height: Self.point(height), series: position,
                        tip: "\(row.label): \(table.columns[column].title) \(row.values[column].map(ReportTable.display) ?? "–")"))
            }
            if index % labelEvery == 0 {
                labels.append(XLabel(x: Self.point(left + groupWidth * (Double(index) + 0.5)), text: Self.shortLabel(row.label)))
            }
        }
        self.bars = bars
        xLabels = labels
        // Legend entries left to right, wrapping to a second row when the first is full.
        var legendX = left
        var legendRow = 0.0
        legend = charted.enumerated().map { position, column in
            let text = table.columns[column].title
            let width = 24 + Double(text.count) * 6.5
            if legendX + width > right && legendX > left {
                legendX = left
                legendRow += 1
            }
            defer { legendX += width }
            return Legend(
                x: Self.point(legendX + 16), y: Self.point(18 + 16 * legendRow), swatchX: Self.point(legendX),
                swatchY: Self.point(8 + 16 * legendRow), series: position, text: text)
        }
    }

    /// The smallest of 1, 2, 4, 5, 8 × 10ⁿ at or above `value` (at least 4), so the axis reads
    /// in round quarters.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 4 else { return 4 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2, 4, 5, 8, 10] where step * magnitude >= value {
            return step * magnitude
        }
        return 10 * magnitude
    }

    /// "2026-11-02" → "2 Nov" (month names from the catalog); other labels (names) shortened
    /// to fit under a bar group.
    static func shortLabel(_ label: String) -> String {
        let parts = label.split(separator: "-")
        if parts.count == 3, let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month) {
            let texts = L10n.texts
            return texts("reports.chart.dayMonth", ["day": "\(day)", "month": texts("reports.chart.month.\(month)")])
        }
        return label.count > 14 ? String(label.prefix(13)) + "…" : label
    }

    static func point(_ value: Double) -> String { String(format: "%.1f", value) }
}
