import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/api-keys` (admins, under Settings): keys for the integration API. A new key is
/// shown once, on the page that answers its creation; only its hash is kept. Revoking takes
/// effect on the next request. Creation and revocation are audited.
struct APIKeysController {
    let keys: IntegrationKeys
    let renderer: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.apiKeys, use: list)
        group.post(ConsoleRoutes.apiKeys, use: create)
        group.post(ConsoleRoutes.apiKeyRevoke, use: revoke)
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let form: FormView
        let rows: [Row]
        let created: Created?
        let readChecked: Bool
        @MustacheView
        struct Row {
            let id: String
            let name: String
            let prefix: String
            let scopes: String
            let created: String
            let lastUsed: String
            let revoked: String?
            /// "Requests with Billing sync are refused at once. …"
            let refusedText: String
            let revokeLabel: String
        }
        @MustacheView
        struct Created {
            let name: String
            let secret: String
            let scopes: String
            /// "Your new key: Billing sync"
            let heading: String
        }
    }

    static func scopeLabel(_ scopes: Set<APIKeyIdentity.Scope>) -> String {
        L10n.t(scopes.contains(.write) ? "console.apiKeys.readWrite" : "console.apiKeys.readOnly")
    }

    func render(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil, created: ListView.Created? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let records = try await keys.list(tenant: context.tenant.id)
        var layout = context.layout(title: L10n.t("console.apiKeys.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let rows = records.map {
            ListView.Row(
                id: $0.id.uuidString.lowercased(), name: $0.name, prefix: $0.keyPrefix + "…", scopes: Self.scopeLabel($0.scopes),
                created: DisplayDate.dateTime($0.createdAt), lastUsed: $0.lastUsedAt.map(DisplayDate.dateTime) ?? L10n.t("console.apiKeys.never"),
                revoked: $0.revokedAt.map(DisplayDate.dateTime), refusedText: L10n.t("console.apiKeys.refusedAtOnce", ["name": $0.name]),
                revokeLabel: L10n.t("console.apiKeys.revokeNamed", ["name": $0.name]))
        }
        return try renderer.render(
            .adminApiKeys, theme: context.tenant.theme,
            ListView(
                layout: layout, form: FormView(form), rows: rows, created: created, readChecked: form.values["scope"] != "write"), status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let (name, scopes) = try PostgresAPIKeyStore.validate(name: form.text("name"), scope: form.text("scope"))
            let created = try await keys.create(
                name: name, scopes: scopes, createdBy: context.staff.id, actor: .byStaff(context.staff, origin: context.origin(request)),
                tenant: context.tenant.id)
            return try await render(
                context, notice: L10n.t("console.apiKeys.createdNotice", ["name": name]),
                created: .init(
                    name: name, secret: created.secret, scopes: Self.scopeLabel(scopes), heading: L10n.t("console.apiKeys.newKey", ["name": name])),
                status: .created)
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await render(context, form: state, status: error.status)
        }
    }

    @Sendable func revoke(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("API key") }
        let revoked = try await keys.revoke(id, actor: .byStaff(context.staff, origin: context.origin(request)), tenant: context.tenant.id)
        return try await render(context, notice: L10n.t("console.apiKeys.revokedNotice", ["name": revoked.name]))
    }
}
