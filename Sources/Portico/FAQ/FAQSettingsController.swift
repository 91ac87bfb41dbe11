import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/faq` (admins): the questions and answers on the subscribers' support page;
/// add, edit, reorder (plain forms, no script) and delete.
struct FAQSettingsController: SettingsListPage {
    let pool: ConnectionPool
    let renderer: PageRenderer
    let support: SettingsSupport
    static let what = "question"
    static var listPath: String { ConsoleRoutes.settingsFAQ.path }
    static var messages: [String: String] { doneNotices("console.settings.faq", ["added", "saved", "moved", "deleted"]) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsFAQ, use: list)
        group.post(ConsoleRoutes.settingsFAQ, use: create)
        group.get(ConsoleRoutes.settingsFAQEntry, use: edit)
        group.post(ConsoleRoutes.settingsFAQEntry, use: update)
        group.post(ConsoleRoutes.settingsFAQEntryMove, use: move)
        group.post(ConsoleRoutes.settingsFAQEntryDelete, use: delete)
    }

    static let translatable = [
        TranslatableField(name: "question", label: "Question", labelKey: "console.settings.faq.question", limit: 300, multiline: false),
        TranslatableField(name: "answer", label: "Answer", labelKey: "console.settings.faq.answer", limit: 5000, multiline: true),
    ]

    /// The other languages' inputs of the add or edit form.
    static func translationInputs(_ context: StaffRequestContext, stored: TextTranslations, form: FormState) -> [TranslationInput] {
        SettingsSupport.translationInputs(
            translatable, context, stored: stored, typed: form.values.isEmpty ? nil : form.values, errors: form.errors)
    }

    /// The question and answer in the default language (required) and the others (optional).
    static func parse(
        _ form: FormFields, tenant: ResolvedTenant, stored: TextTranslations = TextTranslations()
    ) throws -> (
        question: String, answer: String, translations: TextTranslations
    ) {
        var problems: [String: String] = [:]
        let question = SettingsSupport.text(
            form, "question", limit: 300, missing: L10n.t("console.settings.faq.enterQuestion"),
            tooLong: L10n.t("console.settings.faq.questionTooLong"), problems: &problems)
        let answer = SettingsSupport.text(
            form, "answer", limit: 5000, missing: L10n.t("console.settings.faq.enterAnswer"), tooLong: L10n.t("console.settings.faq.answerTooLong"),
            problems: &problems)
        let translations = SettingsSupport.translations(form, translatable, tenant: tenant, keeping: stored, problems: &problems)
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return (question, answer, translations)
    }

    /// A question of the list page, with its edit, move and delete buttons.
    @MustacheView
    struct Row {
        let id: String
        let question: String
        let answer: String
        let canMoveUp: Bool
        let canMoveDown: Bool
        let editLabel: String
        let moveUpLabel: String
        let moveDownLabel: String
        let deleteLabel: String
    }

    func renderList(
        _ context: StaffRequestContext, values: [String: String]?, form: FormState, notice: String?, status: HTTPResponse.Status
    ) async throws -> HTML {
        let entries = try await pool.withTenant(context.tenant.id) { tx in try await repository.faqEntries(in: tx) }
        let rows = entries.enumerated().map { index, entry in
            let named = ["question": entry.question]
            let position = ListPosition(index, of: entries.count)
            return Row(
                id: entry.id.uuidString.lowercased(), question: entry.question, answer: entry.answer,
                canMoveUp: position.canMoveUp, canMoveDown: position.canMoveDown, editLabel: L10n.t("console.settings.faq.editLabel", named),
                moveUpLabel: L10n.t("console.settings.faq.moveUpLabel", named), moveDownLabel: L10n.t("console.settings.faq.moveDownLabel", named),
                deleteLabel: L10n.t("console.settings.faq.deleteLabel", named))
        }
        return try renderer.render(
            .adminSettingsFaq, theme: context.tenant.theme,
            listView(context, title: L10n.t("console.settings.faq.title"), values: values, form: form, notice: notice, rows: rows), status: status)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await add(request, context) { form in
            let (question, answer, translations) = try Self.parse(form, tenant: context.tenant)
            return try await change(context, done: "added") { tx in
                let entry = try await repository.createFAQ(question: question, answer: answer, translations: translations, in: tx)
                try await support.audit(
                    context, request, action: "settings.faq_created", targetKind: "faq_entry",
                    targetId: entry.id.uuidString.lowercased(), details: ["question": String(question.prefix(100))], in: tx)
            }
        }
    }

    @MustacheView
    struct EditView {
        let layout: LayoutModel
        let form: FormView
        let translations: [TranslationInput]
        let id: String
    }

    func renderEdit(
        _ context: StaffRequestContext, id: UUID, values: [String: String]?, form: FormState, status: HTTPResponse.Status
    ) async throws -> HTML {
        let entry = try await pool.withTenant(context.tenant.id) { tx in try await repository.faqEntry(id: id, in: tx) }
        guard let entry else { throw AppError.notFound("question") }
        let shown = FormState(values: values ?? ["question": entry.question, "answer": entry.answer], errors: form.errors, message: form.message)
        return try renderer.render(
            .adminSettingsFaqEntry, theme: context.tenant.theme,
            EditView(
                layout: context.layout(title: L10n.t("console.settings.faq.editTitle"), current: ConsoleRoutes.settings.path), form: FormView(shown),
                translations: Self.translationInputs(
                    context, stored: entry.translations, form: values == nil ? FormState(errors: form.errors) : shown),
                id: entry.id.uuidString.lowercased()),
            status: status)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await save(request, context) { id, form in
            try await change(context, done: "saved") { tx in
                // The languages the form did not ask for (no longer offered) keep their texts.
                guard let stored = try await repository.faqEntry(id: id, in: tx) else { throw AppError.notFound("question") }
                let (question, answer, translations) = try Self.parse(form, tenant: context.tenant, stored: stored.translations)
                guard try await repository.updateFAQ(id: id, question: question, answer: answer, translations: translations, in: tx) else {
                    throw AppError.notFound("question")
                }
                try await support.audit(
                    context, request, action: "settings.faq_updated", targetKind: "faq_entry",
                    targetId: id.uuidString.lowercased(), details: ["question": String(question.prefix(100))], in: tx)
            }
        }
    }

    @Sendable func move(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await move(request, context, action: "settings.faq_moved", targetKind: "faq_entry") { id, direction, tx in
            try await repository.moveFAQ(id: id, direction, in: tx)
        }
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, Self.what)
        return try await change(context, done: "deleted") { tx in
            guard let entry = try await repository.faqEntry(id: id, in: tx), try await repository.deleteFAQ(id: id, in: tx) else {
                throw AppError.notFound("question")
            }
            try await support.audit(
                context, request, action: "settings.faq_deleted", targetKind: "faq_entry",
                targetId: id.uuidString.lowercased(), details: ["question": String(entry.question.prefix(100))], in: tx)
        }
    }
}
