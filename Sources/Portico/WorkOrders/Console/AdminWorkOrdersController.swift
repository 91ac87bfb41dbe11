import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/work-orders`: the queue (filters, search, sort, keyset pages), review (approve /
/// reject), the detail page with every staff operation, replies, creation on behalf of an
/// organization, and bulk actions. Technicians see and update only their assigned orders.
///
/// It reads and writes only through `service` (which opens the transactions); `files` is where
/// refused uploads are deleted from and downloads are read.
struct AdminWorkOrdersController {
    let service: StaffWorkOrders
    let renderer: PageRenderer
    let receiver: AttachmentReceiver
    let files: any BlobStore
    static let pageSize = 25

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.workOrders, use: queue)
        group.get(ConsoleRoutes.newWorkOrder, use: newForm)
        group.post(ConsoleRoutes.workOrders, use: create)
        group.post(ConsoleRoutes.workOrdersBulk, use: bulk)
        group.get(ConsoleRoutes.workOrder, use: detail)
        group.post(ConsoleRoutes.workOrderApprove, use: approve)
        group.post(ConsoleRoutes.workOrderReject, use: reject)
        group.post(ConsoleRoutes.workOrderUpdate, use: update)
        group.post(ConsoleRoutes.workOrderComments, use: comment)
        group.get(ConsoleRoutes.workOrderAttachment, use: attachment)
    }

    static func number(_ context: StaffRequestContext) throws -> Int {
        guard let text = context.parameters.get("number"), let number = Int(text), number > 0, number < 1_000_000_000 else {
            throw AppError.notFound("work order")
        }
        return number
    }
}
