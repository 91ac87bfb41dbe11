import Mustache

/// What the templates need of one report: the chart, the table beside it and the CSV link.
@MustacheView
struct ReportView: Sendable {
    @MustacheView
    struct TableRow: Sendable { let label: String; let cells: [String] }

    let id: String
    let title: String
    let summary: String
    let chart: ReportChart
    let labelHeader: String
    let headers: [String]
    let rows: [TableRow]
    let csvHref: String
    let empty: Bool
    let columnCount: Int
    /// "of Work orders per week" (after "Download CSV", for screen readers)
    let csvOf: String

    /// `csvBase`: the path the CSV files live under (`/admin/reports`).
    init(_ table: ReportTable, csvBase: String, query: String) {
        id = table.id
        title = table.title
        summary = table.summary
        chart = ReportChart(table)
        labelHeader = table.label.title
        headers = table.columns.map(\.title)
        rows = table.rows.map { row in TableRow(label: row.label, cells: row.values.map { $0.map(ReportTable.display) ?? "–" }) }
        csvHref = "\(csvBase)/\(table.fileName)" + (query.isEmpty ? "" : "?\(query)")
        empty = table.rows.isEmpty
        columnCount = table.columns.count + 1
        csvOf = L10n.t("reports.downloadCsvOf", ["title": table.title])
    }
}
