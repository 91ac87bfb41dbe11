import Foundation
import Hummingbird

/// `/admin/account`: the signed-in staff member's own security: two-factor sign-in.
struct AccountSecurityController {
    let dependencies: AppDependencies
    var accounts: StaffAccounts { StaffAccounts(dependencies: dependencies) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get("admin/account", use: show)
        group.post("admin/account/totp/start", use: start)
        group.post("admin/account/totp/confirm", use: confirm)
        group.post("admin/account/totp/disable", use: disable)
    }

    struct View {
        let layout: LayoutModel
        let form: FormView
        let email: String
        let role: String
        let totpEnabled: Bool
        let enrolment: Enrolment?
        let recoveryCodes: [String]
        struct Enrolment { let url: String; let manualKey: String }
    }

    func render(_ context: StaffRequestContext, enrolment: StaffAccounts.Enrolment? = nil, recoveryCodes: [String] = [],
                form: FormState = FormState(), status: HTTPResponse.Status = .ok) async throws -> HTML {
        let credentials = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            try await dependencies.repositories.staff.credentials(id: context.staff.id, in: tx)
        }
        var layout = context.layout(title: "My account", current: "/admin/account")
        if context.auth.session.staffTotpRequired && credentials?.totpEnabledAt == nil && enrolment == nil {
            layout.notice = "Two-factor sign-in is required for staff. Set it up below to use the console."
        }
        let view = View(layout: layout, form: FormView(form),
                        email: context.staff.email, role: context.staff.role.label, totpEnabled: credentials?.totpEnabledAt != nil,
                        enrolment: enrolment.map { View.Enrolment(url: $0.url, manualKey: $0.manualKey) }, recoveryCodes: recoveryCodes)
        return try dependencies.renderer.render("admin/account", theme: context.tenant.theme, view, status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func start(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let enrolment = try await accounts.startTOTP(staff: context.staff, tenant: context.tenant)
        return try await render(context, enrolment: enrolment)
    }

    @Sendable func confirm(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let codes = try await accounts.confirmTOTP(staff: context.staff, code: form.text("code"), keeping: context.auth.token,
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
            state.errors = ["code": "Two-factor sign-in is required for staff here, so it cannot be turned off. An admin can change this under Settings → Session and security."]
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
}
