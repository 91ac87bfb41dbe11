import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/settings/notices` (admins): outage, maintenance and information notices with a
/// start and an optional end; they show on `/status` and as the dashboard banner while active
/// (started, not ended, not resolved). Create, edit, resolve.
struct NoticeSettingsController: SettingsListPage {
    let pool: ConnectionPool
    let renderer: PageRenderer
    let support: SettingsSupport
    static let what = "notice"
    static var listPath: String { ConsoleRoutes.settingsNotices.path }
    static var messages: [String: String] { doneNotices("console.settings.notices", ["added", "saved", "resolved"]) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.settingsNotices, use: list)
        group.post(ConsoleRoutes.settingsNotices, use: create)
        group.get(ConsoleRoutes.settingsNotice, use: edit)
        group.post(ConsoleRoutes.settingsNotice, use: update)
        group.post(ConsoleRoutes.settingsNoticeResolve, use: resolve)
    }

    static let translatable = [
        TranslatableField(name: "title", label: "Title", labelKey: "console.settings.notices.titleField", limit: 200, multiline: false),
        TranslatableField(name: "body", label: "Details", labelKey: "console.settings.notices.details", limit: 5000, multiline: true),
    ]

    /// The notice in the default language (title required) and the others (optional); every
    /// problem is reported at once.
    static func parse(_ form: FormFields, tenant: ResolvedTenant, stored: TextTranslations = TextTranslations()) throws -> NoticeInput {
        var problems: [String: String] = [:]
        var input: NoticeInput?
        do { input = try NoticeInput.parse(form) } catch let error as AppError where error.kind == .validation { problems = error.fields }
        let translations = SettingsSupport.translations(form, translatable, tenant: tenant, keeping: stored, problems: &problems)
        guard problems.isEmpty, var input else { throw AppError.validation(problems) }
        input.translations = translations
        return input
    }

    static func kinds(_ selected: String) -> [Option] {
        NoticeInput.kinds.map { Option(value: $0, label: ServiceNotices.label($0), selected: $0 == selected) }
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let form: FormView
        let kinds: [Option]
        let translations: [TranslationInput]
        let rows: [Row]
        @MustacheView
        struct Row {
            let id: String
            let title: String
            let kindLabel: String
            let when: String
            let state: String
            let stateLabel: String
            let resolvable: Bool
            let editLabel: String
            let resolveLabel: String
        }
    }

    static func state(_ notice: ServiceNotice, now: Date = Date()) -> (String, String) {
        let state =
            if notice.resolvedAt != nil { "resolved" } else if notice.startsAt > now { "planned" } else if let end = notice.endsAt, end <= now {
                "ended"
            } else { "active" }
        return (state, L10n.t("console.settings.notices.state.\(state)"))
    }

    func renderList(
        _ context: StaffRequestContext, values: [String: String]? = nil, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let notices = try await pool.withTenant(context.tenant.id) { tx in try await repository.notices(in: tx) }
        var layout = context.layout(title: L10n.t("console.settings.notices.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let shown = values ?? ["kind": "outage", "starts_at": NoticeInput.formatTime(Date())]
        let rows = notices.map { notice in
            let (state, label) = Self.state(notice)
            return ListView.Row(
                id: notice.id.uuidString.lowercased(), title: notice.title, kindLabel: ServiceNotices.label(notice.kind),
                when: ServiceNotices.view(notice).when, state: state, stateLabel: label, resolvable: notice.resolvedAt == nil,
                editLabel: L10n.t("console.settings.notices.editLabel", ["title": notice.title]),
                resolveLabel: L10n.t("console.settings.notices.resolveLabel", ["title": notice.title]))
        }
        return try renderer.render(
            .adminSettingsNotices, theme: context.tenant.theme,
            ListView(
                layout: layout, form: FormView(FormState(values: shown, errors: form.errors, message: form.message)),
                kinds: Self.kinds(shown["kind"] ?? "outage"),
                translations: SettingsSupport.translationInputs(
                    Self.translatable, context, stored: TextTranslations(), typed: values, errors: form.errors),
                rows: rows),
            status: status)
    }

    static func details(_ input: NoticeInput) -> [String: String] {
        [
            "kind": input.kind, "title": String(input.title.prefix(100)), "starts_at": ISODates.format(input.startsAt),
            "ends_at": input.endsAt.map { ISODates.format($0) } ?? "",
        ]
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await add(request, context) { form in
            let input = try Self.parse(form, tenant: context.tenant)
            return try await change(context, done: "added") { tx in
                let notice = try await repository.createNotice(input, in: tx)
                try await support.audit(
                    context, request, action: "settings.notice_created", targetKind: "service_notice",
                    targetId: notice.id.uuidString.lowercased(), details: Self.details(input), in: tx)
            }
        }
    }

    @MustacheView
    struct EditView {
        let layout: LayoutModel
        let form: FormView
        let kinds: [Option]
        let translations: [TranslationInput]
        let id: String
        let resolved: Bool
        let resolvedAt: String?
    }

    func renderEdit(
        _ context: StaffRequestContext, id: UUID, values: [String: String]? = nil, form: FormState = FormState(),
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let notice = try await pool.withTenant(context.tenant.id) { tx in try await repository.notice(id: id, in: tx) }
        guard let notice else { throw AppError.notFound("notice") }
        let shown =
            values ?? [
                "kind": notice.kind, "title": notice.title, "body": notice.body, "starts_at": NoticeInput.formatTime(notice.startsAt),
                "ends_at": notice.endsAt.map(NoticeInput.formatTime) ?? "",
            ]
        return try renderer.render(
            .adminSettingsNotice, theme: context.tenant.theme,
            EditView(
                layout: context.layout(title: L10n.t("console.settings.notice.title"), current: ConsoleRoutes.settings.path),
                form: FormView(FormState(values: shown, errors: form.errors, message: form.message)), kinds: Self.kinds(shown["kind"] ?? notice.kind),
                translations: SettingsSupport.translationInputs(
                    Self.translatable, context, stored: notice.translations, typed: values, errors: form.errors),
                id: notice.id.uuidString.lowercased(), resolved: notice.resolvedAt != nil,
                resolvedAt: notice.resolvedAt.map { L10n.t("console.settings.notice.resolvedAt", ["when": DisplayDate.dateTime($0)]) }),
            status: status)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try await save(request, context) { id, form in
            try await change(context, done: "saved") { tx in
                // The languages the form did not ask for (no longer offered) keep their texts.
                guard let stored = try await repository.notice(id: id, in: tx) else { throw AppError.notFound("notice") }
                let input = try Self.parse(form, tenant: context.tenant, stored: stored.translations)
                guard try await repository.updateNotice(id: id, input, in: tx) else { throw AppError.notFound("notice") }
                try await support.audit(
                    context, request, action: "settings.notice_updated", targetKind: "service_notice",
                    targetId: id.uuidString.lowercased(), details: Self.details(input), in: tx)
            }
        }
    }

    @Sendable func resolve(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let id = try support.id(context, Self.what)
        return try await change(context, done: "resolved") { tx in
            guard let notice = try await repository.notice(id: id, in: tx) else { throw AppError.notFound("notice") }
            guard try await repository.resolveNotice(id: id, in: tx) else {
                throw AppError(.conflict, code: "notice_resolved", "“\(notice.title)” is already resolved.")
            }
            try await support.audit(
                context, request, action: "settings.notice_resolved", targetKind: "service_notice",
                targetId: id.uuidString.lowercased(), details: ["title": String(notice.title.prefix(100))], in: tx)
        }
    }
}
