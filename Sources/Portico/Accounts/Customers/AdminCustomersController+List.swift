import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: List and create

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let rows: [Row]
        /// "12 accounts" / "3 accounts match", counted in the page's language.
        let total: String
        let query: String
        let accessOptions: [Option]
        let filtered: Bool
        let inviteHref: String?
        let nextPage: String?
        let previousPage: String?
        @MustacheView
        struct Row {
            let name: String; let accountNumber: String; let plan: String; let status: String; let statusLabel: String; let href: String
            let access: [AccessCount]
        }
        @MustacheView
        struct AccessCount { let key: String; let text: String }
    }

    /// "2 have a login", "1 not invited": how an account's logins stand with their invitations.
    static func accessCounts(_ counts: [(InvitationStatus.Key, Int)]) -> [ListView.AccessCount] {
        let texts = L10n.texts
        return counts.map { key, count in
            ListView.AccessCount(key: key.rawValue, text: texts.plural("console.customers.access.\(key.rawValue)", count: count))
        }
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let query = String((request.uri.queryParameters.get("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespaces)
        let page = max(0, min(100_000, Int(request.uri.queryParameters.get("page") ?? "0") ?? 0))
        let access = request.uri.queryParameters.get("access").flatMap { InvitationStatus.Key(rawValue: String($0)) }
        let listed = try await customers.list(search: query, access: access, page: page, pageSize: Self.pageSize, tenant: context.tenant.id)
        let (organizations, total, counts) = (listed.organizations, listed.total, listed.access)
        let filter = Self.listQuery(search: query, access: access)
        let bulk = CustomerInvitations.Selection(search: query, access: access)
        return try renderer.render(
            .adminCustomersList, theme: context.tenant.theme,
            ListView(
                layout: context.layout(title: L10n.t("console.customers.title"), current: ConsoleRoutes.customers.path),
                rows: organizations.prefix(Self.pageSize).map {
                    .init(
                        name: $0.name, accountNumber: $0.accountNumber, plan: $0.servicePlan, status: $0.serviceStatus.rawValue,
                        statusLabel: $0.serviceStatus.label, href: ConsoleRoutes.customer($0.id),
                        access: Self.accessCounts(counts[$0.id] ?? []))
                },
                total: L10n.texts.plural(query.isEmpty && access == nil ? "console.customers.count" : "console.customers.countMatch", count: total),
                query: query,
                accessOptions: [Option(value: "", label: L10n.t("console.customers.any"), selected: access == nil)]
                    + InvitationStatus.Key.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == access) },
                filtered: !query.isEmpty || access != nil,
                inviteHref: bulk.states.isEmpty ? nil : "\(ConsoleRoutes.invitations.path)?" + filter,
                nextPage: organizations.count > Self.pageSize ? "\(ConsoleRoutes.customers.path)?\(filter)&page=\(page + 1)" : nil,
                previousPage: page > 0 ? "\(ConsoleRoutes.customers.path)?\(filter)&page=\(page - 1)" : nil))
    }

    /// `q=…&access=…` for links that keep the list's filter.
    static func listQuery(search: String, access: InvitationStatus.Key?) -> String {
        let encoded = search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "q=\(encoded)" + (access.map { "&access=\($0.rawValue)" } ?? "")
    }

    @MustacheView
    struct EditView {
        let layout: LayoutModel
        let form: FormView
        let kinds: [Option]
        let statuses: [Option]
        let action: String
    }

    func editView(_ context: StaffRequestContext, values: [String: String], form: FormState = FormState(), title: String, action: String) -> EditView
    {
        EditView(
            layout: context.layout(title: title, current: ConsoleRoutes.customers.path),
            form: FormView(FormState(values: values, errors: form.errors, message: form.message)),
            kinds: OrganizationKind.allCases.map {
                Option(
                    value: $0.rawValue, label: L10n.t("console.customer.kindOption.\($0.rawValue)"),
                    selected: $0.rawValue == (values["kind"] ?? "household"))
            },
            statuses: ServiceStatus.allCases.map {
                Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == (values["service_status"] ?? "pending_install"))
            },
            action: action)
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try renderer.render(
            .adminCustomersEdit, theme: context.tenant.theme,
            editView(context, values: [:], title: L10n.t("console.customer.newTitle"), action: ConsoleRoutes.customers.path))
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        do {
            let fields = try OrganizationInput.parse(form)
            let organization = try await customers.create(fields, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
            return Redirect(to: ConsoleRoutes.customer(organization.id)).response
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            let view = editView(
                context, values: FormState.keeping(form).values,
                form: FormState(errors: error.fields, message: error.fields.isEmpty ? error.message : nil),
                title: L10n.t("console.customer.newTitle"), action: ConsoleRoutes.customers.path)
            return try renderer.render(.adminCustomersEdit, theme: context.tenant.theme, view, status: error.status).response(
                from: request, context: context)
        }
    }
}
