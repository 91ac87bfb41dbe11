import Foundation
import Postgres

/// Orders of the staff queue.
public enum WorkOrderSort: String, Sendable, CaseIterable {
    case newest, oldest, updated, due, priority

    public var label: String {
        switch self {
        case .newest: "Newest first"
        case .oldest: "Oldest first"
        case .updated: "Recently updated"
        case .due: "Due soonest"
        case .priority: "Most urgent"
        }
    }

    var descending: Bool { self == .newest || self == .updated || self == .priority }

    var orderBy: SQL {
        switch self {
        case .newest: "created_at DESC, number DESC"
        case .oldest: "created_at ASC, number ASC"
        case .updated: "updated_at DESC, number DESC"
        case .due: "COALESCE(due_date, 'infinity'::date) ASC, number ASC"
        case .priority: "(CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END) DESC, number DESC"
        }
    }

    /// The cursor that continues after `order`.
    public func cursor(after order: WorkOrder) -> WorkOrderCursor {
        switch self {
        case .newest, .oldest: WorkOrderCursor(value: ISODates.formatPrecise(order.createdAt), number: order.number)
        case .updated: WorkOrderCursor(value: ISODates.formatPrecise(order.updatedAt), number: order.number)
        case .due: WorkOrderCursor(value: order.dueDate ?? "infinity", number: order.number)
        case .priority:
            WorkOrderCursor(value: String(["low": 1, "normal": 2, "high": 3, "urgent": 4][order.priority.rawValue] ?? 2), number: order.number)
        }
    }
}

/// Where a keyset page ends: the sort value and the number of its last row.
public struct WorkOrderCursor: Sendable, Equatable {
    public let value: String
    public let number: Int

    public init(value: String, number: Int) {
        self.value = value
        self.number = number
    }

    /// `value~number`, URL-safe.
    public var token: String {
        "\(value)~\(number)".addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:"))) ?? ""
    }

    public init?(token: String) {
        guard let decoded = token.removingPercentEncoding, let separator = decoded.lastIndex(of: "~"),
            let number = Int(decoded[decoded.index(after: separator)...]), decoded.count <= 80
        else { return nil }
        let value = String(decoded[..<separator])
        guard !value.isEmpty, value.allSatisfy({ $0.isNumber || "-:.TZ+infty".contains($0) }) else { return nil }
        self.value = value
        self.number = number
    }
}

/// One field set to a new value, in text form for the history.
