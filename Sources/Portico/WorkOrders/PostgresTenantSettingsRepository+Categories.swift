import Foundation
import Postgres

/// Work-order categories: the list staff keep in the settings, which subscribers choose from.
extension PostgresTenantSettingsRepository {
    static let categoryColumns: SQL = "id, name, help_text, position, active, translations"

    func duplicateName(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw AppError(
                .conflict, code: "category_exists", L10n.t("console.settings.categories.exists"),
                fields: ["name": L10n.t("console.settings.categories.existsField")])
        }
    }

    public func categories(in transaction: TenantTransaction) async throws -> [WorkOrderCategory] {
        try await WorkOrderCategories.all(in: transaction)
    }

    public func category(id: UUID, in transaction: TenantTransaction) async throws -> WorkOrderCategory? {
        try await transaction.first("SELECT \(Self.categoryColumns) FROM work_order_categories WHERE id = \(id)")?.decode(WorkOrderCategory.self)
    }

    public func ordersUsing(category name: String, in transaction: TenantTransaction) async throws -> Int {
        try await transaction.scalar("SELECT count(*)::int FROM work_orders WHERE category = \(name)", as: Int.self) ?? 0
    }

    public func createCategory(
        name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    ) async throws
        -> WorkOrderCategory
    {
        var created: WorkOrderCategory?
        try await duplicateName {
            created = try await transaction.first(
                """
                INSERT INTO work_order_categories (tenant_id, name, help_text, translations, position)
                SELECT \(transaction.tenant), \(name), \(helpText), \(JSONParameter(translations))::jsonb, COALESCE(max(position) + 1, 0)
                  FROM work_order_categories
                RETURNING \(Self.categoryColumns)
                """)?.decode(WorkOrderCategory.self)
        }
        guard let created else { throw AppError(.conflict, code: "category_not_created", L10n.t("console.settings.categories.notCreated")) }
        return created
    }

    public func updateCategory(
        id: UUID, name: String, helpText: String, translations: TextTranslations, in transaction: TenantTransaction
    )
        async throws -> Bool
    {
        var rows = 0
        try await duplicateName {
            rows = try await transaction.execute(
                """
                UPDATE work_order_categories SET name = \(name), help_text = \(helpText), translations = \(JSONParameter(translations))::jsonb
                 WHERE id = \(id)
                """)
        }
        return rows == 1
    }

    public func setCategoryActive(id: UUID, active: Bool, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("UPDATE work_order_categories SET active = \(active) WHERE id = \(id)") == 1
    }

    public func deleteCategory(id: UUID, in transaction: TenantTransaction) async throws -> Bool {
        try await transaction.execute("DELETE FROM work_order_categories WHERE id = \(id)") == 1
    }

    public func moveCategory(id: UUID, _ direction: MoveDirection, in transaction: TenantTransaction) async throws -> Bool {
        try await Self.move(id, direction, in: .categories, transaction)
    }
}
