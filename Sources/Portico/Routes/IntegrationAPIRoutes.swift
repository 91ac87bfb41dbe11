import Foundation

/// `/api/v1/admin`: the integration API (API keys).
enum IntegrationAPIRoutes {
    static let appointments = Route("/api/v1/admin/appointments")
    static let appointment = Route1<UUID>("/api/v1/admin/appointments/:id")
    static let customers = Route("/api/v1/admin/customers")
    static let customer = Route1<String>("/api/v1/admin/customers/:external_id")
    static let deletedCustomers = Route("/api/v1/admin/deleted-customers")
    static let organizations = Route("/api/v1/admin/organizations")
    static let organization = Route1<String>("/api/v1/admin/organizations/:external_id")
    static let organizationEquipment = Route2<String, String>("/api/v1/admin/organizations/:external_id/equipment/:equipment_external_id")
    static let organizationService = Route1<String>("/api/v1/admin/organizations/:external_id/service")
    static let workOrders = Route("/api/v1/admin/work-orders")
    static let workOrder = Route1<Int>("/api/v1/admin/work-orders/:number")
}
