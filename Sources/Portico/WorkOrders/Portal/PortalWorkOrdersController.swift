import Foundation
import Hummingbird
import Mustache
import Postgres

/// The subscriber's work orders: list with search and filters, new (draft or submit), detail
/// with live updates, edit until approved, history (+ CSV), cancel, reopen, comments.
/// It reads and writes only through `service` (which opens the transactions); `files` is where
/// refused uploads are deleted from and downloads are read.
struct PortalWorkOrdersController {
    let service: CustomerWorkOrders
    let renderer: PageRenderer
    let receiver: AttachmentReceiver
    let files: any BlobStore
    static let pageSize = 20
    static let chooseFilesAgain = "Your files were not kept because of the problems above. Please choose them again."

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.workOrders, use: list)
        group.get(PortalRoutes.newWorkOrder, use: newForm)
        group.post(PortalRoutes.workOrders, use: create)
        group.get(PortalRoutes.workOrder, use: detail)
        group.get(PortalRoutes.workOrderEdit, use: editForm)
        group.post(PortalRoutes.workOrderEdit, use: edit)
        group.post(PortalRoutes.workOrderAutosave, use: autosave)
        group.get(PortalRoutes.workOrderHistory, use: history)
        group.get(PortalRoutes.workOrderHistoryCSV, use: historyCSV)
        group.post(PortalRoutes.workOrderCancel, use: cancel)
        group.post(PortalRoutes.workOrderReopen, use: reopen)
        group.post(PortalRoutes.workOrderComments, use: comment)
        group.get(PortalRoutes.workOrderAttachment, use: attachment)
    }

    static func number(_ context: CustomerRequestContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000 else {
            throw AppError.notFound("work order")
        }
        return number
    }

    // MARK: List

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let orders: [WorkOrderCard]
        let total: Int
        let totalLabel: String
        let filter: [String: String]
        let statuses: [Option]
        let categories: [Option]
        let nextPage: String?
        let previousPage: String?
        let filtered: Bool
    }

    @Sendable func list(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let query = request.uri.queryParameters
        var problems: [String: String] = [:]
        let status = query.get("status").flatMap { $0.isEmpty ? nil : $0 }
        if let status, WorkOrderStatus(rawValue: status) == nil { problems["status"] = "Choose a status from the list." }
        let from = query.get("from").flatMap { $0.isEmpty ? nil : $0 }
        let to = query.get("to").flatMap { $0.isEmpty ? nil : $0 }
        if let from, !DateInput.isISODate(from) { problems["from"] = "Use a date like 2024-05-31." }
        if let to, !DateInput.isISODate(to) { problems["to"] = "Use a date like 2024-05-31." }
        guard problems.isEmpty else { throw AppError.validation(problems, message: "The filters could not be applied.") }
        let page = max(0, min(10_000, Int(query.get("page") ?? "0") ?? 0))
        let search = query.get("q").map { String($0.prefix(200)) }
        let category = query.get("category").flatMap { $0.isEmpty ? nil : String($0.prefix(100)) }
        let filter = WorkOrderFilter(
            organizationId: context.customer.organizationId, statuses: status.flatMap(WorkOrderStatus.init).map { [$0] } ?? [],
            category: category, search: search, createdFrom: from, createdTo: to, draftsOf: context.customer.id)
        let (orders, total, categories) = try await service.list(
            filter, limit: Self.pageSize + 1, offset: page * Self.pageSize,
            customer: context.customer, tenant: context.tenant)
        let today = ISODates.today()
        func link(_ page: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            for (key, value) in [("q", search), ("status", status), ("category", category), ("from", from), ("to", to)] {
                if let value, !value.isEmpty { items.append(URLQueryItem(name: key, value: value)) }
            }
            var components = URLComponents()
            components.queryItems = items
            return "\(PortalRoutes.workOrders.path)?" + (components.percentEncodedQuery ?? "")
        }
        let view = ListView(
            layout: context.layout(title: L10n.t("portal.workOrders.heading"), current: PortalRoutes.workOrders.path),
            orders: orders.prefix(Self.pageSize).map { WorkOrderCard($0, today: today) }, total: total,
            totalLabel: L10n.texts.plural("portal.workOrders.total", count: total),
            filter: ["q": search ?? "", "from": from ?? "", "to": to ?? ""],
            statuses: [Option(value: "", label: L10n.t("portal.workOrders.anyStatus"), selected: status == nil)]
                + WorkOrderStatus.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status) },
            categories: [Option(value: "", label: L10n.t("portal.workOrders.anyCategory"), selected: category == nil)]
                + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == category) },
            nextPage: orders.count > Self.pageSize ? link(page + 1) : nil, previousPage: page > 0 ? link(page - 1) : nil,
            filtered: search?.isEmpty == false || status != nil || category != nil || from != nil || to != nil
        )
        return try renderer.render(.portalWorkOrdersList, theme: context.tenant.theme, view)
    }
}
