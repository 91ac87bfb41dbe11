import Foundation
import Hummingbird
import Postgres

/// `/api/v1/tasks`, `/api/v1/notes` and `/api/v1/service`: what the portal shows under Tasks,
/// Notes and Your service.
struct SubscriberAccountController {
    let pool: ConnectionPool
    let repositories: Repositories
    let tasks: CustomerTasks

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.get(SubscriberAPIRoutes.tasks, use: tasks)
        group.post(SubscriberAPIRoutes.taskDone, use: taskDone)
        group.get(SubscriberAPIRoutes.notes, use: notes)
        group.get(SubscriberAPIRoutes.service, use: service)
    }

    // MARK: Tasks

    struct TaskResource: Encodable, Sendable {
        let id: String
        let title: String
        let details: String
        let status: String
        @NullEncoded var dueDate: String?
        @NullEncoded var doneAt: Date?
        let doneNote: String
        @NullEncoded var workOrderNumber: Int?
        let createdAt: Date
    }

    static func resource(_ task: TaskItem, workOrderNumbers: [UUID: Int]) -> TaskResource {
        TaskResource(
            id: task.id.apiString, title: task.title, details: task.details, status: task.status.rawValue,
            dueDate: task.dueDate, doneAt: task.doneAt, doneNote: task.doneNote,
            workOrderNumber: task.workOrderId.flatMap { workOrderNumbers[$0] }, createdAt: task.createdAt)
    }

    @Sendable func tasks(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let paging = try APIPaging(request)
        let page = try await APICursor.page(paging) { after in
            try await tasks.page(
                customer: context.customer, after: after, limit: paging.limit, tenant: context.tenant)
        } map: { tasks, numbers in
            tasks.map { Self.resource($0, workOrderNumbers: numbers) }
        }
        return try APIJSON.response(page)
    }

    struct DoneBody: APIRequestBody {
        static let fields: Set<String> = ["note"]
        let note: String?
    }

    @Sendable func taskDone(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("task") }
        let body = try await APIBody.decodeIfPresent(DoneBody.self, from: request)
        let task = try await tasks.markDone(
            id, note: body?.note ?? "", customer: context.customer, tenant: context.tenant,
            origin: SubscriberAuthController.origin(request, ip: context.clientIP))
        let numbers = try await tasks.workOrderNumbers(of: [task], tenant: context.tenant)
        return try APIJSON.response(Self.resource(task, workOrderNumbers: numbers))
    }

    // MARK: Notes

    struct NoteResource: Encodable, Sendable {
        let id: String
        let body: String
        let author: String
        /// About this subscriber in particular (otherwise about the whole account).
        let aboutYou: Bool
        let createdAt: Date
    }

    @Sendable func notes(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let paging = try APIPaging(request)
        let page = try await APICursor.page(paging) { after in
            try await pool.withTenant(context.tenant.id) { tx in
                try await repositories.notes.sharedPage(
                    organization: context.customer.organizationId, customer: context.customer.id,
                    after: after, limit: paging.limit, in: tx)
            }
        } map: { notes in
            notes.map {
                NoteResource(id: $0.id.apiString, body: $0.body, author: $0.authorName, aboutYou: $0.customerId != nil, createdAt: $0.createdAt)
            }
        }
        return try APIJSON.response(page)
    }

    // MARK: Service

    struct EquipmentResource: Encodable, Sendable {
        let id: String
        let model: String
        let serial: String
        let mac: String
        @NullEncoded var installedOn: String?
    }

    struct NoticeResource: Encodable, Sendable {
        let id: String
        let kind: String
        let title: String
        let body: String
        let startsAt: Date
        @NullEncoded var endsAt: Date?
    }

    struct ServiceResource: Encodable, Sendable {
        let accountNumber: String
        let name: String
        let plan: String
        let status: String
        let serviceAddress: String
        let equipment: [EquipmentResource]
        /// Outage and maintenance notices in effect now.
        let notices: [NoticeResource]
    }

    @Sendable func service(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        let (organization, equipment, notices) = try await pool.withTenant(context.tenant.id) { tx in
            (
                try await repositories.organizations.find(id: context.customer.organizationId, in: tx),
                try await repositories.organizations.equipment(of: context.customer.organizationId, in: tx),
                try await ServiceNotices.active(in: tx)
            )
        }
        guard let organization else { throw APIAuthError.invalidToken }
        return try APIJSON.response(
            ServiceResource(
                accountNumber: organization.accountNumber, name: organization.name, plan: organization.servicePlan,
                status: organization.serviceStatus.rawValue, serviceAddress: organization.serviceAddress,
                equipment: equipment.map {
                    EquipmentResource(id: $0.id.apiString, model: $0.model, serial: $0.serial, mac: $0.mac, installedOn: $0.installedOn)
                },
                notices: notices.map {
                    NoticeResource(id: $0.id.apiString, kind: $0.kind, title: $0.title, body: $0.body, startsAt: $0.startsAt, endsAt: $0.endsAt)
                }))
    }
}
