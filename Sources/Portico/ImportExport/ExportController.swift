import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/export` and `/admin/export/<kind>.csv` (agents and admins): the tenant's data as
/// CSV, streamed page by page, every cell through `CSVWriter` (formula cells neutralised),
/// every export audited. Row-level security scopes each page to the tenant.
struct ExportController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.exports, use: page)
        group.get(ConsoleRoutes.exportFile, use: download)
    }

    @MustacheView
    struct Link { let title: String; let description: String; let href: String; let fileName: String }

    static var links: [Link] {
        // The catalog's console.export.<kind>.*; `CSVExport.title` stays the English name of the file.
        CSVExport.all.map {
            Link(
                title: L10n.t("console.export.\($0.kind).title"), description: L10n.t("console.export.\($0.kind).description"), href: $0.path,
                fileName: $0.fileName)
        }
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let exports: [Link]
        let canImport: Bool
    }

    @Sendable func page(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let view = View(
            layout: context.layout(title: L10n.t("console.export.title"), current: ConsoleRoutes.exports.path), exports: Self.links,
            canImport: context.staff.role >= .admin)
        return try renderer.render(.adminExport, theme: context.tenant.theme, view)
    }

    @Sendable func download(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let export = context.parameters.get("file").flatMap(CSVExport.named) else { throw AppError.notFound("export") }
        let tenant = context.tenant.id
        let event = NewAuditEvent(
            actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: export.auditAction,
            targetKind: "export", targetId: export.kind, ip: context.clientIP,
            userAgent: request.headers[.userAgent] ?? "")
        try await pool.withTenant(tenant) { tx in try await repositories.audit.record(event, in: tx) }
        let zone = DisplayDate.current.zone.identifier  // the body streams after this handler returns
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: CSVWriter.bom + CSVWriter.row(export.header)))
            var cursor: String? = nil
            repeat {
                let page = try await pool.withTenant(tenant) { tx in
                    // Times come out of `to_char` in the reader's zone, with its offset.
                    try await tx.setTimeZone(zone)
                    return try await export.page(cursor, CSVExport.pageSize, tx)
                }
                var chunk = ""
                for row in page.rows { chunk += CSVWriter.row(row) }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                cursor = page.cursor
            } while cursor != nil
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(context.tenant.slug)-\(export.kind)-\(ISODates.today()).csv\"",
                .cacheControl: "no-store",
            ], body: body)
    }
}
