import Foundation
import Hummingbird
import Mustache
import Postgres

extension PortalWorkOrdersController {
    // MARK: History

    @MustacheView
    struct HistoryView {
        let layout: LayoutModel
        let number: Int
        let title: String
        let entries: [HistoryEntry]
        let heading: String
    }

    func customerHistory(_ order: WorkOrder, context: CustomerRequestContext) async throws -> [HistoryEntry] {
        try await service.history(of: order, tenant: context.tenant).filter { $0.field != "internal_notes" }.map {
            HistoryEntry($0, viewer: context.customer.id)
        }
    }

    @Sendable func history(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        let view = HistoryView(
            layout: context.layout(title: L10n.t("portal.history.title", ["number": "#\(order.number)"]), current: PortalRoutes.workOrders.path),
            number: order.number, title: order.title, entries: try await customerHistory(order, context: context),
            heading: L10n.t("portal.history.heading", ["number": "#\(order.number)", "title": order.title]))
        return try renderer.render(.portalWorkOrdersHistory, theme: context.tenant.theme, view)
    }

    @Sendable func historyCSV(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        var csv = CSVWriter.bom + CSVWriter.row(["when", "field", "from", "to", "who", "reason"])
        for entry in try await customerHistory(order, context: context) {
            csv += CSVWriter.row([entry.at, entry.field, entry.from, entry.to, entry.who, entry.reason])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"work-order-\(order.number)-history.csv\"",
            ], body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}
