import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/faq` (admins): the questions and answers on the subscribers' support page;
/// add, edit, reorder (plain forms, no script) and delete.
struct FAQSettingsController {
    let dependencies: AppDependencies
    var support: SettingsSupport { SettingsSupport(dependencies: dependencies) }
    var repository: any TenantSettingsRepository { support.repository }

    /// The `?done=` notices, in the reader's language.
    static var messages: [String: String] {
        Dictionary(uniqueKeysWithValues: ["added", "saved", "moved", "deleted"].map { ($0, L10n.t("console.settings.faq.\($0)")) })
    }

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
        TextTranslations.inputs(
            fields: translatable, languages: TextTranslations.otherLanguages(of: context.tenant), stored: stored,
            typed: form.values.isEmpty ? nil : form.values, errors: form.errors)
    }

    /// The question and answer in the default language (required) and the others (optional).
    static func parse(
        _ form: FormFields, tenant: ResolvedTenant, stored: TextTranslations = TextTranslations()
    ) throws -> (
        question: String, answer: String, translations: TextTranslations
    ) {
        let question = form.text("question").trimmingCharacters(in: .whitespacesAndNewlines)
        let answer = form.text("answer").trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String: String] = [:]
        if question.isEmpty {
            problems["question"] = L10n.t("console.settings.faq.enterQuestion")
        } else if question.count > 300 {
            problems["question"] = L10n.t("console.settings.faq.questionTooLong")
        }
        if answer.isEmpty {
            problems["answer"] = L10n.t("console.settings.faq.enterAnswer")
        } else if answer.count > 5000 {
            problems["answer"] = L10n.t("console.settings.faq.answerTooLong")
        }
        let translations = TextTranslations.parse(
            form, fields: translatable, languages: TextTranslations.otherLanguages(of: tenant), defaultLanguage: tenant.defaultLanguage,
            keeping: stored, problems: &problems)
        guard problems.isEmpty else { throw AppError.validation(problems) }
        return (question, answer, translations)
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let form: FormView
        let translations: [TranslationInput]
        let rows: [Row]
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
    }

    func renderList(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let entries = try await dependencies.pool.withTenant(context.tenant.id) { tx in try await repository.faqEntries(in: tx) }
        var layout = context.layout(title: L10n.t("console.settings.faq.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let rows = entries.enumerated().map { index, entry in
            let named = ["question": entry.question]
            return ListView.Row(
                id: entry.id.uuidString.lowercased(), question: entry.question, answer: entry.answer,
                canMoveUp: index > 0, canMoveDown: index < entries.count - 1, editLabel: L10n.t("console.settings.faq.editLabel", named),
                moveUpLabel: L10n.t("console.settings.faq.moveUpLabel", named), moveDownLabel: L10n.t("console.settings.faq.moveDownLabel", named),
                deleteLabel: L10n.t("console.settings.faq.deleteLabel", named))
        }
        return try dependencies.renderer.render(
            .adminSettingsFaq, theme: context.tenant.theme,
            ListView(
                layout: layout, form: FormView(form), translations: Self.translationInputs(context, stored: TextTranslations(), form: form),
                rows: rows),
            status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderList(context, notice: SettingsSupport.notice(request, Self.messages))
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let (question, answer, translations) = try Self.parse(form, tenant: context.tenant)
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
                let entry = try await repository.createFAQ(question: question, answer: answer, translations: translations, in: tx)
                try await support.audit(
                    context, request, action: "settings.faq_created", targetKind: "faq_entry",
                    targetId: entry.id.uuidString.lowercased(), details: ["question": String(question.prefix(100))], in: tx)
            }
            return Redirect(to: "\(ConsoleRoutes.settingsFAQ.path)?done=added").response
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await renderList(context, form: state, status: error.status).response(from: request, context: context)
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
        _ context: StaffRequestContext, id: UUID, values: [String: String]? = nil, form: FormState = FormState(),
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let entry = try await dependencies.pool.withTenant(context.tenant.id) { tx in try await repository.faqEntry(id: id, in: tx) }
        guard let entry else { throw AppError.notFound("question") }
        let shown = FormState(values: values ?? ["question": entry.question, "answer": entry.answer], errors: form.errors, message: form.message)
        return try dependencies.renderer.render(
            .adminSettingsFaqEntry, theme: context.tenant.theme,
            EditView(
                layout: context.layout(title: L10n.t("console.settings.faq.editTitle"), current: ConsoleRoutes.settings.path), form: FormView(shown),
                translations: Self.translationInputs(
                    context, stored: entry.translations, form: values == nil ? FormState(errors: form.errors) : shown),
                id: entry.id.uuidString.lowercased()),
            status: status)
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderEdit(context, id: try support.id(context, "question"))
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, "question")
        let form = try await FormFields.read(request)
        do {
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
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
            return Redirect(to: "\(ConsoleRoutes.settingsFAQ.path)?done=saved").response
        } catch let error as AppError where error.kind == .validation {
            return try await renderEdit(
                context, id: id, values: FormState.keeping(form).values, form: FormState(errors: error.fields),
                status: error.status
            ).response(from: request, context: context)
        }
    }

    @Sendable func move(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let repository = repository
        return try await support.move(
            request, context, what: "question", action: "settings.faq_moved", targetKind: "faq_entry", listPath: ConsoleRoutes.settingsFAQ.path
        ) { id, direction, tx in try await repository.moveFAQ(id: id, direction, in: tx) }
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, "question")
        try await dependencies.pool.withTenant(context.tenant.id) { tx in
            guard let entry = try await repository.faqEntry(id: id, in: tx), try await repository.deleteFAQ(id: id, in: tx) else {
                throw AppError.notFound("question")
            }
            try await support.audit(
                context, request, action: "settings.faq_deleted", targetKind: "faq_entry",
                targetId: id.uuidString.lowercased(), details: ["question": String(entry.question.prefix(100))], in: tx)
        }
        return Redirect(to: "\(ConsoleRoutes.settingsFAQ.path)?done=deleted").response
    }
}
