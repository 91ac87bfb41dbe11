import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/admin/account`: the signed-in staff member's own security: password, two-factor sign-in,
/// and where they are signed in (sign out one session or every other one).
struct AccountSecurityController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let cookies: SessionCookies
    let accounts: StaffAccounts
    let devices: SignedInDevices

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.account, use: show)
        group.post(ConsoleRoutes.accountTOTPStart, use: start)
        group.post(ConsoleRoutes.accountTOTPConfirm, use: confirm)
        group.post(ConsoleRoutes.accountTOTPDisable, use: disable)
        group.post(ConsoleRoutes.accountPassword, use: changePassword)
        group.post(ConsoleRoutes.accountSessionsSignOutOthers, use: signOutOthers)
        group.post(ConsoleRoutes.accountSessionSignOut, use: signOutDevice)
        group.post(ConsoleRoutes.accountTimeZone, use: saveTimeZone)
    }

    static var devicesExplanation: String { L10n.t("console.account.devicesExplanation") }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let email: String
        let role: String
        let totpEnabled: Bool
        let enrolment: Enrolment?
        let recoveryCodes: [String]
        let devices: DeviceListView
        /// This person's own zone for the console ("": the tenant's).
        let timeZone: String
        /// "Leave empty to use Europe/Madrid, …", with the tenant's zone in its place.
        let timeZoneHint: String
        let zoneChoices: [String]
        @MustacheView
        struct Enrolment { let url: String; let manualKey: String }
    }

    func render(
        _ context: StaffRequestContext, enrolment: StaffAccounts.Enrolment? = nil, recoveryCodes: [String] = [],
        form: FormState = FormState(), notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let (credentials, signedIn) = try await pool.withTenant(context.tenant.id) { tx in
            (
                try await repositories.staff.credentials(id: context.staff.id, in: tx),
                try await devices.list(for: Self.owner(context), in: tx)
            )
        }
        var layout = context.layout(title: L10n.t("console.account.title"), current: ConsoleRoutes.account.path)
        layout.notice = notice
        if context.auth.session.staffTotpRequired && credentials?.totpEnabledAt == nil && enrolment == nil {
            layout.notice = L10n.t("console.account.twoFactorRequired")
        }
        let view = View(
            layout: layout, form: FormView(form),
            email: context.staff.email, role: context.staff.role.consoleLabel, totpEnabled: credentials?.totpEnabledAt != nil,
            enrolment: enrolment.map { View.Enrolment(url: $0.url, manualKey: $0.manualKey) }, recoveryCodes: recoveryCodes,
            devices: DeviceListView(
                signedIn, signOut: ConsoleRoutes.accountSessionSignOut, signOutOthers: ConsoleRoutes.accountSessionsSignOutOthers,
                explanation: Self.devicesExplanation),
            timeZone: context.auth.session.staffTimeZone ?? "",
            timeZoneHint: L10n.t("console.account.timeZoneHint", ["zone": TenantTimeZone.name(context.tenant.timeZone)]),
            zoneChoices: TenantTimeZone.choices)
        return try renderer.render(.adminAccount, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context, notice: SettingsSupport.notice(request, ["time-zone": L10n.t("console.account.timeZoneSaved")]))
    }

    @Sendable func start(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let enrolment = try await accounts.startTOTP(staff: context.staff, tenant: context.tenant)
        return try await render(context, enrolment: enrolment)
    }

    @Sendable func confirm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let codes = try await accounts.confirmTOTP(
                staff: context.staff, code: form.text("code"), keeping: context.auth.token,
                tenant: context.tenant, origin: context.origin(request))
            return try await render(context, recoveryCodes: codes)
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return try await render(context, form: state, status: .unprocessableContent)
        }
    }

    @Sendable func disable(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        if context.auth.session.staffTotpRequired {
            var state = FormState()
            state.errors = [
                "code": L10n.t("console.account.totpRequiredCannotOff")
            ]
            return try await render(context, form: state, status: .conflict)
        }
        do {
            try await accounts.disableTOTP(staff: context.staff, code: form.text("code"), tenant: context.tenant, origin: context.origin(request))
            return try await render(context)
        } catch let error as AppError where error.kind == .validation {
            var state = FormState()
            state.errors = error.fields
            return try await render(context, form: state, status: .unprocessableContent)
        }
    }

    // MARK: Time zone

    /// This person's own zone for the console; empty means the tenant's.
    @Sendable func saveTimeZone(_ request: Request, context: StaffRequestContext) async throws -> Response {
        let form = try await FormFields.read(request)
        let name = form.text("time_zone").trimmingCharacters(in: .whitespaces)
        if !name.isEmpty, let problem = TenantTimeZone.problem(name) {
            return try await render(context, form: FormState(errors: ["time_zone": problem]), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        try await pool.withTenant(context.tenant.id) { tx in
            try await repositories.staff.setTimeZone(name.isEmpty ? nil : name, for: context.staff.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: context.staff.id, actorLabel: context.staff.email, action: "account.time_zone_changed",
                    targetKind: "staff", targetId: context.staff.id.uuidString.lowercased(), ip: context.clientIP,
                    userAgent: request.headers[.userAgent] ?? "", details: ["time_zone": name.isEmpty ? "the tenant's" : name]), in: tx)
        }
        return Redirect(to: "\(ConsoleRoutes.account.path)?done=time-zone").response
    }

    // MARK: Password and sessions

    static func owner(_ context: StaffRequestContext) -> SignedInDevices.Owner {
        SignedInDevices.Owner(kind: .staff, id: context.staff.id, email: context.staff.email, token: context.auth.token)
    }

    @Sendable func changePassword(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let ended: Int
        do {
            ended = try await accounts.changePassword(
                staff: context.staff, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                keeping: context.auth.token, tenant: context.tenant, origin: context.origin(request))
        } catch let error as AppError where error.kind == .validation {
            return try await render(context, form: FormState(errors: error.fields), status: .unprocessableContent)
        }
        return try await render(context, notice: L10n.t("console.account.passwordChanged") + " " + ProfileController.endedElsewhere(ended))
    }

    @Sendable func signOutOthers(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let ended = try await devices.signOutOthers(
            for: Self.owner(context), tenant: context.tenant,
            origin: context.origin(request))
        return try await render(context, notice: ProfileController.endedElsewhere(ended))
    }

    /// Signs one session out; naming this very session signs out here, like the header's button.
    @Sendable func signOutDevice(_ request: Request, context: StaffRequestContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("session") }
        let result = try await devices.signOut(
            device: id, for: Self.owner(context), tenant: context.tenant,
            origin: context.origin(request))
        switch result {
        case .signedOutHere:
            return Redirect(to: ConsoleRoutes.login.path).response(setting: cookies.clearSession())
        case .signedOut(let label):
            return try await render(context, notice: L10n.t("devices.signedOut", ["device": label])).response(from: request, context: context)
        }
    }
}
