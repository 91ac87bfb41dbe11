import Foundation
import Postgres

public struct WorkOrderCategory: Sendable, Decodable {
    public let id: UUID
    public let name: String
    public let helpText: String
    public let position: Int
    public let active: Bool
}

/// The tenant's list of work-order categories (with help text for the form).
public enum WorkOrderCategories {
    public static func active(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await transaction.rows("""
            SELECT id, name, help_text, position, active FROM work_order_categories WHERE active ORDER BY position, name
            """).map { try $0.decode(WorkOrderCategory.self) }
    }

    public static func all(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await transaction.rows("""
            SELECT id, name, help_text, position, active FROM work_order_categories ORDER BY position, name
            """).map { try $0.decode(WorkOrderCategory.self) }
    }
}
