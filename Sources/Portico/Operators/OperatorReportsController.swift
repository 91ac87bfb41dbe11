import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/operator/reports`: the platform-level reports (tenants, subscribers, work orders per
/// tenant, growth), each a chart, a table and a CSV download. Operators only.
struct OperatorReportsController {
    let pool: ConnectionPool
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<OperatorRequestContext>) {
        group.get(OperatorRoutes.reports, use: page)
        group.get(OperatorRoutes.report, use: download)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let from: String
        let to: String
        let reports: [ReportView]
    }

    func filter(_ request: Request) throws -> ReportFilter {
        try ReportFilter.parse(ReportFilter.query(of: request), categories: nil)
    }

    @Sendable func page(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let filter = try filter(request)
        let tables = [
            try await PlatformReports.tenantUsage(pool: pool, limit: PlatformReports.pageTenants),
            try await PlatformReports.growth(filter, pool: pool),
        ]
        let view = View(
            layout: context.layout(title: L10n.t("operator.nav.reports")), from: filter.from, to: filter.to,
            reports: tables.map { ReportView($0, csvBase: OperatorRoutes.reports.path, query: filter.query) })
        return try renderer.render(.operatorReports, view)
    }

    @Sendable func download(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        guard let file = context.parameters.get("file"), file.hasSuffix(".csv"),
            let id = PlatformReports.ids.first(where: { "\($0).csv" == file })
        else { throw AppError.notFound("report") }
        let filter = try filter(request)
        let table = try await PlatformReports.build(id, filter, pool: pool)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"portico-\(id)-\(filter.from)-to-\(filter.to).csv\"",
                .cacheControl: "no-store",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: table.csv)))
    }
}
