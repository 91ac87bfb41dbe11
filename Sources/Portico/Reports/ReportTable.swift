import Foundation

/// One report: rows of numbers under a label (a week, a category, a technician). The same
/// rows are drawn as a bar chart, shown as a table beside it and downloaded as CSV, so the
/// three never disagree.
struct ReportTable: Sendable {
    struct Column: Sendable {
        /// The CSV header.
        let key: String
        /// The table header.
        let title: String
        /// Drawn as bars (columns drawn together share one unit).
        var charted = true

        init(key: String, title: String, charted: Bool = true) {
            self.key = key
            self.title = title
            self.charted = charted
        }

        /// The table header from the catalog (`reports.column.<key>`), in the request's language.
        init(key: String, charted: Bool = true) {
            self.init(key: key, title: L10n.t("reports.column.\(key)"), charted: charted)
        }
    }

    struct Row: Sendable, Equatable {
        let label: String
        /// nil: nothing to measure (a median of no orders), shown as "–" and left empty in CSV.
        let values: [Double?]
    }

    /// The URL and file name part: `work-orders-weekly` → `/admin/reports/work-orders-weekly.csv`.
    let id: String
    let title: String
    /// What the numbers mean, said once under the heading and as the chart's `<desc>`.
    let summary: String
    let label: Column
    let columns: [Column]
    /// What a charted number counts ("work orders", "hours"), for the axis.
    let unit: String
    var rows: [Row]

    var fileName: String { "\(id).csv" }

    /// Header and rows as CSV, every cell through `CSVWriter` (formula cells neutralised:
    /// category and technician names are typed by people).
    var csv: String {
        var text = CSVWriter.bom + CSVWriter.row([label.key] + columns.map(\.key))
        for row in rows {
            text += CSVWriter.row([row.label] + row.values.map { $0.map(Self.format) ?? "" })
        }
        return text
    }

    /// Whole numbers without decimals; others to one decimal place.
    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.1f", value)
    }

    /// A number for people (the page's table and chart): grouped and with the decimal mark of the
    /// request's language, whole numbers without decimals, others to one decimal place. The CSV
    /// keeps `format`.
    static func display(_ value: Double) -> String {
        value.formatted(.number.precision(.fractionLength(value == value.rounded() ? 0...0 : 1...1)).locale(L10n.texts.locale))
    }

    /// The value of one cell of a result row (nil for NULL).
    static func number(_ text: String?) -> Double? {
        text.flatMap(Double.init)
    }
}
