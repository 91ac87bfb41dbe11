import Foundation

/// `/api/v1`: the subscriber API (bearer access tokens).
enum SubscriberAPIRoutes {
    /// Where the API lives: shown to admins, and the scope of CORS (not itself a route).
    static let base = "/api/v1"
    static let appointments = Route("/api/v1/appointments")
    static let appointmentConfirm = Route1<UUID>("/api/v1/appointments/:id/confirm")
    static let appointmentReschedule = Route1<UUID>("/api/v1/appointments/:id/reschedule")
    static let authLogin = Route("/api/v1/auth/login")
    static let authLogout = Route("/api/v1/auth/logout")
    static let authRefresh = Route("/api/v1/auth/refresh")
    static let authRegister = Route("/api/v1/auth/register")
    static let me = Route("/api/v1/me")
    static let notes = Route("/api/v1/notes")
    static let openAPIDocument = Route("/api/v1/openapi.json")
    static let service = Route("/api/v1/service")
    static let tasks = Route("/api/v1/tasks")
    static let taskDone = Route1<UUID>("/api/v1/tasks/:id/done")
    static let workOrderCategories = Route("/api/v1/work-order-categories")
    static let workOrders = Route("/api/v1/work-orders")
    static let workOrder = Route1<Int>("/api/v1/work-orders/:number")
    static let workOrderAttachments = Route1<Int>("/api/v1/work-orders/:number/attachments")
    static let workOrderAttachment = Route2<Int, UUID>("/api/v1/work-orders/:number/attachments/:id")
    static let workOrderComments = Route1<Int>("/api/v1/work-orders/:number/comments")
    static let workOrderHistory = Route1<Int>("/api/v1/work-orders/:number/history")
}
