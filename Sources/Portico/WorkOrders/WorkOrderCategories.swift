import Foundation
import Postgres

public struct WorkOrderCategory: Sendable, Decodable {
    public let id: UUID
    public let name: String
    public let helpText: String
    public let position: Int
    public let active: Bool
    /// The name and help text in the tenant's other languages. Work orders keep the default
    /// name (`work_orders.category`); only what a reader sees is translated.
    public let translations: TextTranslations

    /// The name in the reader's language.
    public var displayName: String { translations.localized("name", default: name) }
    /// The help text in the reader's language.
    public var displayHelpText: String { translations.localized("help_text", default: helpText) }
}

/// The tenant's list of work-order categories (with help text for the form).
public enum WorkOrderCategories {
    public static func active(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await transaction.rows(
            """
            SELECT id, name, help_text, position, active, translations FROM work_order_categories WHERE active ORDER BY position, name
            """
        ).map { try $0.decode(WorkOrderCategory.self) }
    }

    /// What a new tenant starts with, so its subscribers can submit work orders on day one;
    /// admins rename, reorder or deactivate them under Settings. "Installation" is what the
    /// service page's installation history looks for.
    public static let defaults: [(name: String, helpText: String)] = [
        ("Installation", "A new connection, or moving your antenna to a new building."),
        ("Repair", "Something stopped working or got damaged."),
        ("Relocation", "Move your router or antenna within the same property."),
        ("Upgrade", "New equipment for a faster plan."),
        ("Other", "Anything else — describe it below."),
    ]

    /// Adds the default categories to a tenant that has none (a tenant's existing list is never touched).
    public static func seedDefaults(in transaction: TenantTransaction) async throws {
        let existing = try await transaction.scalar("SELECT count(*)::int FROM work_order_categories", as: Int.self) ?? 0
        guard existing == 0 else { return }
        for (index, category) in defaults.enumerated() {
            try await transaction.execute(
                """
                INSERT INTO work_order_categories (tenant_id, name, help_text, position)
                VALUES (\(transaction.tenant), \(category.name), \(category.helpText), \(index))
                """)
        }
    }

    public static func all(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await transaction.run(allQuery)
    }

    /// Every category, inactive ones included (lists filter by them), in the tenant's order.
    static let allQuery = Query.rows(
        "SELECT id, name, help_text, position, active, translations FROM work_order_categories ORDER BY position, name",
        as: WorkOrderCategory.self)
}
