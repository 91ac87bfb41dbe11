import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/staff` (admins): invite staff, change roles, deactivate and reactivate, resend
/// set-password links.
struct StaffManagementController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let accounts: StaffAccounts

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.staff, use: list)
        group.post(ConsoleRoutes.staffInvite, use: invite)
        group.post(ConsoleRoutes.staffRole, use: changeRole)
        group.post(ConsoleRoutes.staffDeactivate, use: deactivate)
        group.post(ConsoleRoutes.staffReactivate, use: reactivate)
        group.post(ConsoleRoutes.staffResend, use: resend)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let members: [Member]
        let roles: [Role]
        @MustacheView
        struct Member {
            let id: String
            let name: String
            let email: String
            let role: String
            let status: String
            let statusLabel: String
            /// "Role of Ana López", the role picker's hidden label.
            let roleOf: String
            let twoFactor: Bool
            let isSelf: Bool
            let deactivated: Bool
            let roleOptions: [Role]
        }
        @MustacheView
        struct Role { let value: String; let label: String; let selected: Bool }
    }

    func render(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let staff = try await pool.withTenant(context.tenant.id) { tx in try await repositories.staff.all(in: tx) }
        var layout = context.layout(title: L10n.t("console.staff.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let view = View(
            layout: layout, form: FormView(form),
            members: staff.map { member in
                View.Member(
                    id: member.id.uuidString.lowercased(), name: member.displayName, email: member.email, role: member.role.consoleLabel,
                    status: member.status.rawValue, statusLabel: L10n.t("console.staff.state.\(member.status.rawValue)"),
                    roleOf: L10n.t("console.staff.roleOf", ["name": member.displayName]), twoFactor: member.totpEnabledAt != nil,
                    isSelf: member.id == context.staff.id,
                    deactivated: member.status == .deactivated,
                    roleOptions: StaffRole.allCases.reversed().map {
                        View.Role(value: $0.rawValue, label: $0.consoleLabel, selected: $0 == member.role)
                    })
            },
            roles: StaffRole.allCases.reversed().map {
                View.Role(value: $0.rawValue, label: $0.consoleLabel, selected: $0.rawValue == (form.values["role"] ?? "agent"))
            }
        )
        return try renderer.render(.adminStaff, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func invite(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        guard let role = StaffRole(rawValue: form.text("role")) else {
            var state = FormState.keeping(form)
            state.errors["role"] = L10n.t("console.staff.chooseRole")
            return try await render(context, form: state, status: .unprocessableContent)
        }
        do {
            let staff = try await accounts.invite(
                email: form.text("email"), name: form.text("name"), role: role, by: context.staff,
                tenant: context.tenant, origin: context.origin(request))
            return try await render(context, notice: L10n.t("console.staff.invited", ["email": staff.email]))
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            return try await render(context, form: FormState.keeping(form, rejectedBy: error), status: error.status)
        }
    }

    func staffID(_ context: StaffRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("staff member") }
        return id
    }

    @Sendable func changeRole(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        guard let role = StaffRole(rawValue: form.text("role")) else { throw AppError.validation(["role": L10n.t("console.staff.chooseRole")]) }
        try await accounts.changeRole(
            staffID: try staffID(context), to: role, by: context.staff, tenant: context.tenant, origin: context.origin(request))
        return try await render(context, notice: L10n.t("console.staff.roleChanged"))
    }

    @Sendable func deactivate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await accounts.setActive(false, staffID: try staffID(context), by: context.staff, tenant: context.tenant, origin: context.origin(request))
        return try await render(context, notice: L10n.t("console.staff.deactivated"))
    }

    @Sendable func reactivate(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await accounts.setActive(true, staffID: try staffID(context), by: context.staff, tenant: context.tenant, origin: context.origin(request))
        return try await render(context, notice: L10n.t("console.staff.reactivated"))
    }

    @Sendable func resend(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await accounts.resendInvitation(staffID: try staffID(context), by: context.staff, tenant: context.tenant, origin: context.origin(request))
        return try await render(context, notice: L10n.t("console.staff.linkSent"))
    }
}
