import Foundation
import Postgres

/// Reordering the lists staff order by hand (categories, FAQ): `moveCategory` and `moveFAQ`.
extension PostgresTenantSettingsRepository {
    /// The tenant lists staff order by hand (`position`), each with its tie-breaker.
    enum OrderedList {
        case categories, faq

        var ids: SQL {
            switch self {
            case .categories: "SELECT id FROM work_order_categories ORDER BY position, name FOR UPDATE"
            case .faq: "SELECT id FROM faq_entries ORDER BY position, question FOR UPDATE"
            }
        }

        func renumber(_ order: [UUID]) -> SQL {
            switch self {
            case .categories:
                "UPDATE work_order_categories t SET position = o.ord - 1 FROM unnest(\(order)::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE t.id = o.id"
            case .faq:
                "UPDATE faq_entries t SET position = o.ord - 1 FROM unnest(\(order)::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE t.id = o.id"
            }
        }
    }

    /// Swaps `id` with its neighbour and renumbers the whole list (locked, so two staff moving
    /// at once cannot interleave); false when the list has no such row.
    static func move(_ id: UUID, _ direction: MoveDirection, in list: OrderedList, _ transaction: TenantTransaction) async throws -> Bool {
        let ids = try await transaction.rows(list.ids).map { try $0.decode(at: 0, as: UUID.self) }
        guard let order = moved(ids, id, direction) else { return false }
        try await transaction.execute(list.renumber(order))
        return true
    }

    /// The list with `id` swapped with its neighbour; nil when `id` is not in it.
    static func moved(_ ids: [UUID], _ id: UUID, _ direction: MoveDirection) -> [UUID]? {
        guard let index = ids.firstIndex(of: id) else { return nil }
        var order = ids
        let other = direction == .up ? index - 1 : index + 1
        if order.indices.contains(other) { order.swapAt(index, other) }
        return order
    }
}
