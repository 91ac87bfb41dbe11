import Foundation
import Hummingbird
import Mustache
import Postgres

/// A settings page of translated rows staff keep by hand (work-order categories, FAQ entries,
/// service notices): a list with an add form, an edit page a row, and audited changes that go
/// back to the list with a `?done=` notice. Each page draws its own list and edit views; this
/// shares the handlers around them: show the list, show a row, add, save (each drawing its form
/// again with what was typed when refused), and move a row of a hand-ordered list.
protocol SettingsListPage: Sendable {
    var support: SettingsSupport { get }
    /// What a missing row is called in its 404 (`question`, `category`, `notice`).
    static var what: String { get }
    /// The list's path, where every change goes back to.
    static var listPath: String { get }
    /// The fields the other offered languages can translate.
    static var translatable: [TranslatableField] { get }
    /// The `?done=` notices, in the reader's language.
    static var messages: [String: String] { get }

    /// The list with its add form: `values` as typed (nil: a fresh form), `form` the problems or a message.
    func renderList(
        _ context: StaffRequestContext, values: [String: String]?, form: FormState, notice: String?, status: HTTPResponse.Status
    ) async throws -> HTML

    /// One row's edit form: `values` as typed (nil: as stored), `form` the problems.
    func renderEdit(
        _ context: StaffRequestContext, id: UUID, values: [String: String]?, form: FormState, status: HTTPResponse.Status
    ) async throws -> HTML
}

extension SettingsListPage {
    var repository: any TenantSettingsRepository { support.repository }

    /// `GET` of the list, with the notice of the change that led back to it.
    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderList(context, values: nil, form: FormState(), notice: SettingsSupport.notice(request, Self.messages), status: .ok)
    }

    /// `GET` of one row's edit page.
    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderEdit(context, id: try support.id(context, Self.what), values: nil, form: FormState(), status: .ok)
    }

    /// The `?done=` notices `done` under `prefix` in the catalog (`prefix.added`, …).
    static func doneNotices(_ prefix: String, _ done: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: done.map { ($0, L10n.t("\(prefix).\($0)")) })
    }

    /// Runs `change` (which audits what it did) in one tenant transaction, then back to the list with `done`.
    func change(_ context: StaffRequestContext, done: String, _ change: (TenantTransaction) async throws -> Void) async throws -> Response {
        try await support.change(context, then: Self.listPath, done: done, change)
    }

    /// `POST` of the add form: `add` reads the form and makes the change; refused (`.validation` or
    /// another of `refusals`), the list comes back with what was typed and its problems.
    func add(
        _ request: Request, _ context: StaffRequestContext, refusals: [AppError.Kind] = [.validation],
        _ add: (FormFields) async throws -> Response
    ) async throws -> Response {
        try await support.submit(request, context, refusals: refusals, save: add) { form, error in
            try await renderList(
                context, values: FormState.keeping(form).values, form: FormState(errors: error.fields), notice: nil, status: error.status)
        }
    }

    /// `POST` of a row's edit form: `save` reads the form and changes the row of the path's id;
    /// refused, the edit page comes back with what was typed and its problems.
    func save(
        _ request: Request, _ context: StaffRequestContext, refusals: [AppError.Kind] = [.validation],
        _ save: (UUID, FormFields) async throws -> Response
    ) async throws -> Response {
        let id = try support.id(context, Self.what)
        return try await support.submit(request, context, refusals: refusals) { form in
            try await save(id, form)
        } page: { form, error in
            try await renderEdit(context, id: id, values: FormState.keeping(form).values, form: FormState(errors: error.fields), status: error.status)
        }
    }

    /// `POST …/:id/move` of a hand-ordered list (categories, FAQ): one row up or down with `move`,
    /// audited as `action`, then back to the list.
    func move(
        _ request: Request, _ context: StaffRequestContext, action: String, targetKind: String,
        by move: @escaping @Sendable (UUID, MoveDirection, TenantTransaction) async throws -> Bool
    ) async throws -> Response {
        try await support.move(request, context, what: Self.what, action: action, targetKind: targetKind, listPath: Self.listPath, by: move)
    }

    /// The list page of a hand-ordered list: the layout titled `title` with its `notice`, the add
    /// form as typed with its other-language inputs, and the `rows`.
    func listView<Row: Sendable>(
        _ context: StaffRequestContext, title: String, values: [String: String]?, form: FormState, notice: String?, rows: [Row]
    ) -> SettingsListView<Row> {
        var layout = context.layout(title: title, current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let typed = values.flatMap { $0.isEmpty ? nil : $0 }
        return SettingsListView(
            layout: layout, form: FormView(FormState(values: values ?? [:], errors: form.errors, message: form.message)),
            translations: SettingsSupport.translationInputs(
                Self.translatable, context, stored: TextTranslations(), typed: typed, errors: form.errors),
            rows: rows)
    }
}

/// The view of a hand-ordered settings list (see `SettingsListPage.listView`).
@MustacheView
struct SettingsListView<Row: Sendable>: Sendable {
    let layout: LayoutModel
    let form: FormView
    let translations: [TranslationInput]
    let rows: [Row]
}
