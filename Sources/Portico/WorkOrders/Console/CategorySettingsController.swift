import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/categories` (admins): the work-order categories subscribers choose from,
/// with help text; add, rename, reorder (plain forms, no script), deactivate / reactivate, and
/// delete those no work order uses.
struct CategorySettingsController: SettingsListPage {
    let pool: ConnectionPool
    let renderer: PageRenderer
    let support: SettingsSupport
    static let what = "category"
    static var listPath: String { ConsoleRoutes.settingsCategories.path }
    static var messages: [String: String] {
        doneNotices("console.settings.categories", ["added", "saved", "moved", "deactivated", "reactivated", "deleted"])
    }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsCategories, use: list)
        group.post(ConsoleRoutes.settingsCategories, use: create)
        group.get(ConsoleRoutes.settingsCategory, use: edit)
        group.post(ConsoleRoutes.settingsCategory, use: update)
        group.post(ConsoleRoutes.settingsCategoryMove, use: move)
        group.post(ConsoleRoutes.settingsCategoryDeactivate, use: deactivate)
        group.post(ConsoleRoutes.settingsCategoryReactivate, use: reactivate)
        group.post(ConsoleRoutes.settingsCategoryDelete, use: delete)
    }

    static let translatable = [
        TranslatableField(name: "name", label: "Name", labelKey: "console.settings.categories.name", limit: 100, multiline: false),
        TranslatableField(name: "help_text", label: "Help text", labelKey: "console.settings.categories.helpText", limit: 500, multiline: true),
    ]

    /// Name and help text from the form in every offered language, or every problem with them.
    static func parse(
        _ form: FormFields, tenant: ResolvedTenant, stored: TextTranslations = TextTranslations()
    ) throws -> (
        name: String, helpText: String, translations: TextTranslations
    ) {
        var problems: [String: String] = [:]
        let name = SettingsSupport.text(
            form, "name", limit: 100, missing: L10n.t("console.settings.categories.enterName"),
            tooLong: L10n.t("console.settings.categories.nameTooLong"), problems: &problems)
        let help = SettingsSupport.text(
            form, "help_text", limit: 500, tooLong: L10n.t("console.settings.categories.helpTextTooLong"), problems: &problems)
        let translations = SettingsSupport.translations(form, translatable, tenant: tenant, keeping: stored, problems: &problems)
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return (name, help, translations)
    }

    /// A category of the list page: how many work orders use it, and its buttons.
    @MustacheView
    struct Row {
        let id: String
        let name: String
        let helpText: String
        let active: Bool
        let usage: Int
        let usageLabel: String
        let deletable: Bool
        let canMoveUp: Bool
        let canMoveDown: Bool
        let editLabel: String
        let moveUpLabel: String
        let moveDownLabel: String
        let deactivateLabel: String
        let reactivateLabel: String
        let deleteLabel: String
    }

    func renderList(
        _ context: StaffRequestContext, values: [String: String]? = nil, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (categories, usage) = try await pool.withTenant(context.tenant.id) { tx in
            let categories = try await repository.categories(in: tx)
            var usage: [String: Int] = [:]
            for category in categories { usage[category.name] = try await repository.ordersUsing(category: category.name, in: tx) }
            return (categories, usage)
        }
        let rows = categories.enumerated().map { index, category in
            let used = usage[category.name] ?? 0
            let texts = L10n.texts
            let named = ["name": category.name]
            let position = ListPosition(index, of: categories.count)
            return Row(
                id: category.id.uuidString.lowercased(), name: category.name, helpText: category.helpText, active: category.active,
                usage: used,
                usageLabel: used == 0 ? texts("console.settings.categories.notUsed") : texts.plural("console.settings.categories.usage", count: used),
                deletable: used == 0, canMoveUp: position.canMoveUp, canMoveDown: position.canMoveDown,
                editLabel: texts("console.settings.categories.editLabel", named),
                moveUpLabel: texts("console.settings.categories.moveUpLabel", named),
                moveDownLabel: texts("console.settings.categories.moveDownLabel", named),
                deactivateLabel: texts("console.settings.categories.deactivateLabel", named),
                reactivateLabel: texts("console.settings.categories.reactivateLabel", named),
                deleteLabel: texts("console.settings.categories.deleteLabel", named))
        }
        let view = listView(
            context, title: L10n.t("console.settings.categories.title"), values: values, form: form, notice: notice, rows: rows)
        return try renderer.render(.adminSettingsCategories, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await add(request, context, refusals: [.validation, .conflict]) { form in
            let (name, help, translations) = try Self.parse(form, tenant: context.tenant)
            return try await change(context, done: "added") { tx in
                let category = try await repository.createCategory(name: name, helpText: help, translations: translations, in: tx)
                try await support.audit(
                    context, request, action: "settings.category_created", targetKind: "work_order_category",
                    targetId: category.id.uuidString.lowercased(), details: ["name": name], in: tx)
            }
        }
    }

    /// The edit page of one category: its name (in the title) and whether it is active.
    @MustacheView
    struct EditView {
        let id: String
        let name: String
        let active: Bool
        let layout: LayoutModel
        let form: FormView
        let translations: [TranslationInput]
    }

    func renderEdit(
        _ context: StaffRequestContext, id: UUID, values: [String: String]?, form: FormState, status: HTTPResponse.Status
    ) async throws -> HTML {
        let category = try await pool.withTenant(context.tenant.id) { tx in try await repository.category(id: id, in: tx) }
        guard let category else { throw AppError.notFound("category") }
        let shown = values ?? ["name": category.name, "help_text": category.helpText]
        return try renderer.render(
            .adminSettingsCategory, theme: context.tenant.theme,
            EditView(
                id: category.id.uuidString.lowercased(), name: category.name, active: category.active,
                layout: context.layout(title: L10n.t("console.settings.category.title"), current: ConsoleRoutes.settings.path),
                form: FormView(FormState(values: shown, errors: form.errors, message: form.message)),
                translations: SettingsSupport.translationInputs(
                    Self.translatable, context, stored: category.translations, typed: values, errors: form.errors)), status: status)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await save(request, context, refusals: [.validation, .conflict]) { id, form in
            try await change(context, done: "saved") { tx in
                guard let before = try await repository.category(id: id, in: tx) else { throw AppError.notFound("category") }
                // The languages the form did not ask for (no longer offered) keep their texts.
                let (name, help, translations) = try Self.parse(form, tenant: context.tenant, stored: before.translations)
                guard try await repository.updateCategory(id: id, name: name, helpText: help, translations: translations, in: tx) else {
                    throw AppError.notFound("category")
                }
                var details: [String: String] = [:]
                if before.name != name { details["name"] = "\(before.name) → \(name)" }
                if before.helpText != help { details["help_text"] = "changed" }
                if before.translations != translations { details["translations"] = "changed" }
                try await support.audit(
                    context, request, action: "settings.category_updated", targetKind: "work_order_category",
                    targetId: id.uuidString.lowercased(), details: details, in: tx)
            }
        }
    }

    @Sendable func move(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await move(request, context, action: "settings.category_moved", targetKind: "work_order_category") { id, direction, tx in
            try await repository.moveCategory(id: id, direction, in: tx)
        }
    }

    func setActive(_ active: Bool, _ request: Request, _ context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, Self.what)
        return try await change(context, done: active ? "reactivated" : "deactivated") { tx in
            guard let category = try await repository.category(id: id, in: tx),
                try await repository.setCategoryActive(id: id, active: active, in: tx)
            else { throw AppError.notFound("category") }
            try await support.audit(
                context, request, action: active ? "settings.category_reactivated" : "settings.category_deactivated",
                targetKind: "work_order_category", targetId: id.uuidString.lowercased(), details: ["name": category.name], in: tx)
        }
    }

    @Sendable func deactivate(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await setActive(false, request, context)
    }

    @Sendable func reactivate(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await setActive(true, request, context)
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, Self.what)
        do {
            return try await change(context, done: "deleted") { tx in
                guard let category = try await repository.category(id: id, in: tx) else { throw AppError.notFound("category") }
                let used = try await repository.ordersUsing(category: category.name, in: tx)
                guard used == 0 else {
                    throw AppError(
                        .conflict, code: "category_in_use",
                        L10n.texts.plural("console.settings.categories.inUse", count: used, ["name": category.name]))
                }
                guard try await repository.deleteCategory(id: id, in: tx) else { throw AppError.notFound("category") }
                try await support.audit(
                    context, request, action: "settings.category_deleted", targetKind: "work_order_category",
                    targetId: id.uuidString.lowercased(), details: ["name": category.name], in: tx)
            }
        } catch let error as AppError where error.kind == .conflict {
            return try await renderList(context, form: FormState(message: error.message), status: error.status).response(
                from: request, context: context)
        }
    }
}
