import Foundation
import Hummingbird
import Mustache
import Postgres

extension AdminWorkOrdersController {
    // MARK: Queue

    @MustacheView
    struct Row: Sendable {
        let number: Int
        let title: String
        let status: String
        let statusLabel: String
        let priority: String
        let organization: String
        let assignee: String
        let due: String?
        let overdue: Bool
        let created: String
        let href: String
        /// The checkbox's name: "Select #12".
        let selectLabel: String
    }

    @MustacheView
    struct QueueView {
        let layout: LayoutModel
        let rows: [Row]
        /// "12 work orders", counted in the page's language.
        let total: String
        let filter: [String: String]
        let statuses: [Option]
        let priorities: [Option]
        let categories: [Option]
        let assignees: [Option]
        let sorts: [Option]
        let nextPage: String?
        let firstPage: String?
        let canBulk: Bool
        let bulkStatuses: [Option]
        let results: [StaffWorkOrders.BulkResult]
        let eventsUrl: String
    }

    func renderQueue(_ request: Request, context: StaffRequestContext, results: [StaffWorkOrders.BulkResult] = []) async throws -> HTML {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } }
        var problems: [String: String] = [:]
        let status = value("status")
        if let status, WorkOrderStatus(rawValue: status) == nil { problems["status"] = L10n.t("console.workOrders.chooseStatus") }
        let priority = value("priority")
        if let priority, WorkOrderPriority(rawValue: priority) == nil { problems["priority"] = L10n.t("console.workOrders.choosePriority") }
        let assignee = value("assignee")
        if let assignee, assignee != "none", UUID(uuidString: assignee) == nil { problems["assignee"] = L10n.t("console.workOrders.chooseStaff") }
        for key in ["from", "to"] where value(key).map({ !DateInput.isISODate($0) }) == true { problems[key] = L10n.t("console.workOrders.dateLike") }
        let dueOn = value("due") == "today" ? ISODates.today() : value("due")
        if let dueOn, !DateInput.isISODate(dueOn) { problems["due"] = L10n.t("console.workOrders.dueLike") }
        let sort = value("sort").flatMap(WorkOrderSort.init(rawValue:)) ?? .newest
        if value("sort") != nil && WorkOrderSort(rawValue: value("sort")!) == nil { problems["sort"] = L10n.t("console.workOrders.chooseSort") }
        let cursor = value("after").flatMap(WorkOrderCursor.init(token:))
        if value("after") != nil && cursor == nil { problems["after"] = L10n.t("console.workOrders.badPageLink") }
        guard problems.isEmpty else { throw AppError.validation(problems, message: L10n.t("console.workOrders.filtersFailed")) }

        var filter = WorkOrderFilter(
            statuses: status.flatMap(WorkOrderStatus.init).map { [$0] } ?? [], category: value("category"),
            search: value("q"), createdFrom: value("from"), createdTo: value("to"))
        filter.priority = priority.flatMap(WorkOrderPriority.init)
        filter.overdue = value("overdue") == "1"
        filter.dueOn = dueOn
        filter.unassigned = value("unassigned") == "1" || assignee == "none"
        if let assignee, assignee != "none" { filter.assigneeId = UUID(uuidString: assignee) }
        if context.staff.role == .technician { filter.assigneeId = context.staff.id; filter.unassigned = false }
        let accountNumber = value("account")

        let queue = try await service.queue(
            filter, accountNumber: accountNumber, sort: sort, after: cursor, limit: Self.pageSize + 1,
            tenant: context.tenant.id)
        let (orders, total, organizations, staff, categories) = (queue.orders, queue.total, queue.organizationNames, queue.team, queue.categories)
        let staffNames = Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0.displayName) })
        let today = ISODates.today()
        let shown = Array(orders.prefix(Self.pageSize))
        func link(after: WorkOrderCursor?) -> String {
            var items: [URLQueryItem] = []
            for key in ["q", "status", "priority", "category", "assignee", "account", "overdue", "unassigned", "due", "from", "to", "sort"] {
                if let value = value(key) { items.append(URLQueryItem(name: key, value: value)) }
            }
            if let after { items.append(URLQueryItem(name: "after", value: after.token)) }
            var components = URLComponents()
            components.queryItems = items
            return ConsoleRoutes.workOrders.path + (items.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? ""))
        }
        let texts = L10n.texts
        var layout = context.layout(title: texts("console.workOrders.title"), current: ConsoleRoutes.workOrders.path)
        if !results.isEmpty {
            let failed = results.filter { !$0.ok }.count
            layout.notice = texts("console.workOrders.bulkDone", ["changed": "\(results.count - failed)", "failed": "\(failed)"])
        }
        let view = QueueView(
            layout: layout,
            rows: shown.map { order in
                Row(
                    number: order.number, title: order.title, status: order.status.rawValue, statusLabel: order.status.label,
                    priority: order.priority.label, organization: organizations[order.organizationId] ?? "",
                    assignee: order.assigneeId.flatMap { staffNames[$0] } ?? "—", due: order.dueDate, overdue: order.isOverdue(today: today),
                    created: DisplayDate.dateTime(order.createdAt), href: ConsoleRoutes.workOrder(order.number),
                    selectLabel: texts("console.workOrders.selectNumber", ["number": "\(order.number)"]))
            },
            total: texts.plural("console.workOrders.count", count: total),
            filter: [
                "q": value("q") ?? "", "account": accountNumber ?? "", "from": value("from") ?? "", "to": value("to") ?? "",
                "overdue": filter.overdue ? "1" : "", "unassigned": value("unassigned") ?? "",
            ],
            statuses: [Option(value: "", label: texts("console.workOrders.anyStatus"), selected: status == nil)]
                + WorkOrderStatus.allCases.filter { $0 != .draft }.map {
                    Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == status)
                },
            priorities: [Option(value: "", label: texts("console.workOrders.anyPriority"), selected: priority == nil)]
                + WorkOrderPriority.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == priority) },
            categories: [Option(value: "", label: texts("console.workOrders.anyCategory"), selected: value("category") == nil)]
                + categories.map { Option(value: $0.name, label: $0.name, selected: $0.name == value("category")) },
            assignees: [
                Option(value: "", label: texts("console.workOrders.anyone"), selected: assignee == nil),
                Option(value: "none", label: texts("console.workOrders.unassigned"), selected: assignee == "none"),
            ]
                + staff.filter { $0.status == .active }.map {
                    Option(value: $0.id.uuidString.lowercased(), label: $0.displayName, selected: $0.id.uuidString.lowercased() == assignee)
                },
            sorts: WorkOrderSort.allCases.map {
                Option(value: $0.rawValue, label: texts("console.workOrders.sortBy.\($0.rawValue)"), selected: $0 == sort)
            },
            nextPage: orders.count > Self.pageSize ? link(after: sort.cursor(after: shown.last!)) : nil,
            firstPage: cursor != nil ? link(after: nil) : nil,
            canBulk: context.staff.role >= .agent,
            bulkStatuses: [WorkOrderStatus.approved, .inProgress, .waiting, .completed].map {
                Option(value: $0.rawValue, label: $0.label, selected: false)
            },
            results: results,
            eventsUrl: ConsoleRoutes.events.path
        )
        return try renderer.render(.adminWorkOrdersQueue, theme: context.tenant.theme, view)
    }

    @Sendable func queue(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderQueue(request, context: context)
    }

    @Sendable func bulk(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard context.staff.role >= .agent else {
            throw AppError(.forbidden, code: "forbidden", L10n.t("console.workOrders.bulkForAgents"))
        }
        let form = try await FormFields.read(request)
        let numbers = form.all("numbers").compactMap { Int($0) }
        guard !numbers.isEmpty else { throw AppError.validation(["numbers": L10n.t("console.workOrders.tickOne")]) }
        var update = StaffWorkOrders.Update(reason: form.text("reason"))
        switch form.text("bulk_action") {
        case "assign":
            update.assigneeId = form.text("assignee")
        case "status":
            guard let status = WorkOrderStatus(rawValue: form.text("status")) else {
                throw AppError.validation(["status": L10n.t("console.workOrders.chooseBulkStatus")])
            }
            update.status = status
        default:
            throw AppError.validation(["bulk_action": L10n.t("console.workOrders.chooseBulkAction")])
        }
        let results = await service.bulk(numbers, update: update, staff: context.staff, tenant: context.tenant)
        return try await renderQueue(request, context: context, results: results)
    }
}
