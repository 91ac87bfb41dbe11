import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/audit` (admins): security and admin events, filterable, exportable as CSV.
struct AuditController {
    let trail: AuditTrail
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.audit, use: list)
        group.get(ConsoleRoutes.auditCSV, use: export)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let events: [Event]
        let filter: [String: String]
        let nextPage: Int?
        let previousPage: Int?
        let exportQuery: String
        @MustacheView
        struct Event { let time: String; let actor: String; let action: String; let target: String; let ip: String }
    }

    static let pageSize = 50

    func filter(from request: Request) throws -> AuditFilter {
        let query = request.uri.queryParameters
        var filter = AuditFilter(action: query.get("action"), actor: query.get("actor"), from: query.get("from"), to: query.get("to"))
        for (key, value) in [("from", filter.from), ("to", filter.to)] {
            if let value, !value.isEmpty, !DateInput.isISODate(value) {
                throw AppError.validation([key: L10n.t("validation.dateLike")])
            }
        }
        if filter.from?.isEmpty == true { filter.from = nil }
        if filter.to?.isEmpty == true { filter.to = nil }
        return filter
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let filter = try filter(from: request)
        let page = max(0, Int(request.uri.queryParameters.get("page") ?? "0") ?? 0)
        let events = try await trail.events(filter, limit: Self.pageSize + 1, offset: page * Self.pageSize, tenant: context.tenant.id)
        let query = request.uri.query ?? ""
        let view = View(
            layout: context.layout(title: L10n.t("console.nav.audit"), current: ConsoleRoutes.audit.path),
            events: events.prefix(Self.pageSize).map { event in
                View.Event(
                    time: DisplayDate.dateTime(event.occurredAt), actor: event.actorLabel.isEmpty ? event.actorKind : event.actorLabel,
                    action: event.action, target: [event.targetKind, event.targetId].filter { !$0.isEmpty }.joined(separator: " "), ip: event.ip)
            },
            filter: ["action": filter.action ?? "", "actor": filter.actor ?? "", "from": filter.from ?? "", "to": filter.to ?? ""],
            nextPage: events.count > Self.pageSize ? page + 1 : nil, previousPage: page > 0 ? page - 1 : nil,
            exportQuery: query
        )
        return try renderer.render(.adminAudit, theme: context.tenant.theme, view)
    }

    /// The filtered events as CSV, streamed page by page (constant memory). Exports are audited.
    @Sendable func export(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let filter = try filter(from: request)
        let tenant = context.tenant.id
        try await trail.recordExport(staff: context.staff, origin: context.origin(request), tenant: tenant)
        let dates = DisplayDate.current  // the body streams after this handler returns
        let body = ResponseBody { writer in
            try await writer.write(
                ByteBuffer(
                    string: CSVWriter.bom + CSVWriter.row(["time", "actor_kind", "actor", "action", "target_kind", "target", "ip", "user_agent"])))
            var offset = 0
            while true {
                let events = try await trail.events(filter, limit: 500, offset: offset, tenant: tenant)
                var chunk = ""
                for event in events {
                    chunk += CSVWriter.row([
                        dates.iso(event.occurredAt), event.actorKind, event.actorLabel, event.action,
                        event.targetKind, event.targetId, event.ip, event.userAgent,
                    ])
                }
                if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                if events.count < 500 { break }
                offset += 500
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"audit-\(ISODates.today()).csv\"",
                .cacheControl: "no-store",
            ], body: body)
    }
}

/// Checks on dates typed into forms and query strings.
enum DateInput {
    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1900...2200).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return false }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return false }
        return calendar.component(.day, from: date) == day
    }
}
