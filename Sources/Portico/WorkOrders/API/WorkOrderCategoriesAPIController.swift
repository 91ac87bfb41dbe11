import Hummingbird

/// The categories a subscriber can choose from when creating a work order: an app needs them
/// to build its form, and `POST /work-orders` takes a category by its `name`.
struct WorkOrderCategoriesAPIController {
    let service: CustomerWorkOrders

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.get(SubscriberAPIRoutes.workOrderCategories, use: list)
    }

    struct CategoryResource: Encodable, Sendable {
        let name: String
        let helpText: String
    }

    struct Categories: Encodable, Sendable {
        let items: [CategoryResource]
    }

    @Sendable func list(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let categories = try await service.activeCategories(tenant: context.tenant.id)
        return try APIJSON.response(Categories(items: categories.map { CategoryResource(name: $0.name, helpText: $0.helpText) }))
    }
}
