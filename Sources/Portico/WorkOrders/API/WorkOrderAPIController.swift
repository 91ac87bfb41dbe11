import Foundation
import Hummingbird
import Logging

/// `/api/v1/work-orders…` for a signed-in subscriber: the portal's work-order pages as JSON,
/// through the same `CustomerWorkOrders` service (same rules, messages, rate limits, history,
/// live events and notifications). Everything is scoped to the subscriber's organization: an
/// order or file of another organization or tenant is the same 404 as a missing one.
struct WorkOrderAPIController {
    let service: CustomerWorkOrders
    /// Where uploaded files are kept, and what scans them before they are.
    let files: any BlobStore
    let scanner: any VirusScanner
    let logger: Logger

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.get(SubscriberAPIRoutes.workOrders, use: list)
        group.post(SubscriberAPIRoutes.workOrders, use: create)
        group.get(SubscriberAPIRoutes.workOrder, use: show)
        group.patch(SubscriberAPIRoutes.workOrder, use: update)
        group.get(SubscriberAPIRoutes.workOrderHistory, use: history)
        group.post(SubscriberAPIRoutes.workOrderComments, use: comment)
        group.get(SubscriberAPIRoutes.workOrderAttachments, use: attachments)
        group.post(SubscriberAPIRoutes.workOrderAttachments, use: upload)
        group.get(SubscriberAPIRoutes.workOrderAttachment, use: download)
    }

    static func number(_ context: SubscriberAPIContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000 else {
            throw AppError.notFound("work order")
        }
        return number
    }

    static func location(_ number: Int) -> String { SubscriberAPIRoutes.workOrder(number) }

    /// The order as JSON with its version as a strong `ETag`.
    static func orderResponse(_ order: WorkOrder, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.eTag] = "\"\(order.version)\""
        return try APIJSON.response(WorkOrderResource(order), status: status, headers: fields)
    }

    // MARK: List

    static let statusHelp =
        "Use one or more of \(WorkOrderStatus.allCases.map(\.rawValue).joined(separator: ", ")), repeating the parameter or separating them with commas."

    @Sendable func list(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let query = request.uri.queryParameters
        var problems: [String: String] = [:]
        var statuses: [WorkOrderStatus] = []
        for raw in query.getAll("status") {
            for part in raw.split(separator: ",") {
                let name = part.trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty else { continue }
                if let status = WorkOrderStatus(rawValue: name) {
                    if !statuses.contains(status) { statuses.append(status) }
                } else {
                    problems["status"] = "“\(name.prefix(40))” is not a status. " + Self.statusHelp
                }
            }
        }
        let category = query.get("category").flatMap { $0.isEmpty ? nil : $0 }
        if let category, category.count > 100 { problems["category"] = "Use at most 100 characters." }
        let search = query.get("q").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let search, search.count > 200 { problems["q"] = "Search with at most 200 characters." }
        var since: Date?
        if let text = query.get("updated_since") {
            since = ISODates.parse(text)
            if since == nil { problems["updated_since"] = "Use an RFC 3339 timestamp such as 2026-11-22T09:30:00Z." }
        }
        let paging: APIPaging
        do {
            paging = try APIPaging(request)
        } catch let error as AppError {
            throw AppError.validation(error.fields.merging(problems) { first, _ in first }, message: "The filters could not be applied.")
        }
        var cursor: WorkOrderCursor?
        if let token = paging.cursor {
            cursor = OpaqueCursor.decode(token).flatMap(WorkOrderCursor.init(token:))
            if cursor == nil { problems["cursor"] = "Pass back the next_cursor of the previous page unchanged." }
        }
        guard problems.isEmpty else { throw AppError.validation(problems, message: "The filters could not be applied.") }

        var filter = WorkOrderFilter(statuses: statuses, category: category, search: search)
        filter.updatedSince = since
        let rows = try await service.page(filter, after: cursor, limit: paging.limit + 1, customer: context.customer, tenant: context.tenant)
        let items = Array(rows.prefix(paging.limit))
        let next = rows.count > paging.limit ? items.last.map { OpaqueCursor.encode(WorkOrderSort.updated.cursor(after: $0).token) } : nil
        return try APIJSON.response(APIPage(items: items.map(WorkOrderResource.init), nextCursor: next))
    }

    // MARK: Create

    /// The order's own fields, as a create or update body may carry them (each optional).
    struct OrderFields: Decodable, Sendable {
        static let names: Set<String> = [
            "title", "description", "category", "priority", "quantity", "service_location", "preferred_dates", "customer_notes",
        ]
        var title: String?
        var description: String?
        var category: String?
        var priority: String?
        var quantity: Int?
        var serviceLocation: String?
        var preferredDates: String?
        var customerNotes: String?

        /// Whether the body changes any of them.
        var present: Bool {
            title != nil || description != nil || category != nil || priority != nil || quantity != nil || serviceLocation != nil
                || preferredDates != nil || customerNotes != nil
        }

        /// `base` with the fields present in the body (trimmed) put in.
        func input(over base: WorkOrderInput) -> WorkOrderInput {
            WorkOrderInput(
                title: trimmed(title) ?? base.title, description: trimmed(description) ?? base.description,
                category: trimmed(category) ?? base.category, priority: trimmed(priority) ?? base.priority,
                quantity: quantity.map(String.init) ?? base.quantity, serviceLocation: trimmed(serviceLocation) ?? base.serviceLocation,
                preferredDates: trimmed(preferredDates) ?? base.preferredDates, customerNotes: trimmed(customerNotes) ?? base.customerNotes)
        }

        private func trimmed(_ text: String?) -> String? { text?.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    struct CreateBody: APIRequestBody {
        static let fields = OrderFields.names.union(["submit"])
        let order: OrderFields
        let submit: Bool?

        enum CodingKeys: String, CodingKey { case submit }

        init(from decoder: any Decoder) throws {
            order = try OrderFields(from: decoder)
            submit = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Bool.self, forKey: .submit)
        }
    }

    @Sendable func create(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let body = try await APIBody.decode(CreateBody.self, from: request)
        // What the body leaves out is what an empty form holds.
        let input = body.order.input(over: WorkOrderInput())
        let order = try await service.create(input, submit: body.submit ?? false, customer: context.customer, tenant: context.tenant)
        return try Self.orderResponse(order, status: .created, headers: [.location: Self.location(order.number)])
    }

    // MARK: Show and update

    @Sendable func show(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let order = try await service.find(try Self.number(context), customer: context.customer, tenant: context.tenant)
        return try Self.orderResponse(order)
    }

    struct UpdateBody: APIRequestBody {
        static let fields = OrderFields.names.union(["status", "reason"])
        let order: OrderFields
        let status: String?
        let reason: String?

        enum CodingKeys: String, CodingKey { case status, reason }

        init(from decoder: any Decoder) throws {
            order = try OrderFields(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            reason = try container.decodeIfPresent(String.self, forKey: .reason)
        }

        var editsFields: Bool { order.present }

        /// The order's fields with the ones present in the body replaced.
        func input(over order: WorkOrder) -> WorkOrderInput {
            self.order.input(over: WorkOrderInput(editing: order))
        }
    }

    static let ifMatchRequired = AppError(
        .badRequest, code: "if_match_required",
        "Send the order's current version as `If-Match: \"<version>\"` (the ETag of GET /work-orders/{number}), so a change made meanwhile is not overwritten."
    )

    /// The version named by `If-Match: "<version>"`.
    static func expectedVersion(_ request: Request) throws -> Int {
        guard let header = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { throw ifMatchRequired }
        var text = Substring(header)
        if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        guard let version = Int(text), version >= 0 else {
            throw AppError(
                .badRequest, code: "if_match_invalid",
                "`If-Match` must be the order's ETag, a version number in double quotes such as \"3\".")
        }
        return version
    }

    static func versionMismatch(_ order: WorkOrder) -> AppError {
        AppError(
            .preconditionFailed, code: "version_mismatch",
            "Work order #\(order.number) has changed since the version you sent (it is now at version \(order.version)). Fetch it again, then reapply your change."
        )
    }

    @Sendable func update(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let number = try Self.number(context)
        let order = try await service.find(number, customer: context.customer, tenant: context.tenant)
        let body = try await APIBody.decode(UpdateBody.self, from: request)
        let version = try Self.expectedVersion(request)

        var problems: [String: String] = [:]
        let target = body.status.map { $0.trimmingCharacters(in: .whitespaces) }
        let action = target.flatMap(WorkOrderStatus.init(rawValue:))
        switch (target, action) {
        case (nil, _):
            if !body.editsFields { problems["body"] = "Send at least one field to change, or a `status`." }
            if body.reason != nil { problems["reason"] = "A reason goes with `status` cancelled or in_progress only." }
        case (_, .submitted?):
            if body.reason != nil { problems["reason"] = "A reason goes with `status` cancelled or in_progress only." }
        case (_, .cancelled?), (_, .inProgress?):
            if body.editsFields { problems["status"] = "Cancel or reopen in a request of its own, without other fields." }
        default:
            problems["status"] =
                "Use submitted (submit a draft), cancelled (cancel a draft or submitted order, with a reason) or in_progress (reopen an order completed in the last 14 days, with a reason)."
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        guard order.version == version else { throw Self.versionMismatch(order) }

        let updated: WorkOrder
        do {
            switch action {
            case .cancelled?:
                updated = try await service.cancel(
                    number, reason: body.reason ?? "", version: version, customer: context.customer, tenant: context.tenant)
            case .inProgress?:
                updated = try await service.reopen(
                    number, reason: body.reason ?? "", version: version, customer: context.customer, tenant: context.tenant)
            default:
                updated = try await service.edit(
                    number, input: body.input(over: order), version: version, submit: action == .submitted,
                    customer: context.customer, tenant: context.tenant)
            }
        } catch let error as AppError where error.code == "version_conflict" {
            // Someone changed it between our read and the conditional update: nothing was written.
            let current = try await service.find(number, customer: context.customer, tenant: context.tenant)
            throw Self.versionMismatch(current)
        }
        return try Self.orderResponse(updated)
    }

    // MARK: History and comments

    @Sendable func history(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let (_, changes, comments) = try await service.timeline(of: try Self.number(context), customer: context.customer, tenant: context.tenant)
        let entries = changes.map { HistoryItemResource.change(.init($0)) } + comments.map { HistoryItemResource.comment(.init($0)) }
        let ordered = entries.enumerated().sorted { left, right in
            left.element.at != right.element.at ? left.element.at < right.element.at : left.offset < right.offset
        }.map(\.element)
        return try APIJSON.response(HistoryResource(items: ordered))
    }

    struct CommentBody: APIRequestBody {
        static let fields: Set<String> = ["body"]
        var body: String
    }

    @Sendable func comment(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let number = try Self.number(context)
        _ = try await service.find(number, customer: context.customer, tenant: context.tenant)
        let body = try await APIBody.decode(CommentBody.self, from: request)
        let comment = try await service.comment(number, body: body.body, customer: context.customer, tenant: context.tenant)
        return try APIJSON.response(CommentResource(comment), status: .created)
    }

}
