import Foundation
import Hummingbird
import Mustache
import Postgres

/// `/portal/profile`: contact details, email change (confirmed through the new address),
/// password change (other sessions end), and where the subscriber is signed in (sign out one
/// device or every other one).
struct ProfileController {
    let accounts: CustomerAccounts
    let devices: SignedInDevices
    let preferences: EmailPreferences
    let renderer: PageRenderer
    let cookies: SessionCookies

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.profile, use: show)
        group.post(PortalRoutes.profile, use: saveDetails)
        group.post(PortalRoutes.profileEmail, use: changeEmail)
        group.post(PortalRoutes.profilePassword, use: changePassword)
        group.post(PortalRoutes.profileNotifications, use: saveNotifications)
        group.post(PortalRoutes.profileMembers, use: inviteMember)
        group.post(PortalRoutes.profileSessionsSignOutOthers, use: signOutOthers)
        group.post(PortalRoutes.profileSessionSignOut, use: signOutDevice)
    }

    static var devicesExplanation: String { L10n.t("portal.profile.devicesExplanation") }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let name: String
        let email: String
        let phone: String
        let emailVerified: Bool
        let organization: String
        let accountNumber: String
        let members: [Member]
        let isOwner: Bool
        let notifications: [Toggle]
        let devices: DeviceListView
        /// When the subscriber asked for their login to be deleted (nil: no open request).
        let deletionRequested: String?
        /// An owner who shares the account must hand it over before asking for deletion.
        let mustHandOver: Bool
        /// "You asked on … for your login to be deleted. …"
        let deletionNote: String
        @MustacheView
        struct Member { let id: String; let name: String; let email: String; let role: String; let isYou: Bool; let canMakeOwner: Bool }
        @MustacheView
        struct Toggle { let value: String; let label: String; let enabled: Bool }
    }

    func render(
        _ context: CustomerRequestContext, form: FormState = FormState(), notice: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let page = try await accounts.profilePage(customer: context.customer, device: Self.owner(context), tenant: context.tenant)
        let (customer, organization, members) = (page.customer, page.organization, page.members)
        var layout = context.layout(title: L10n.t("portal.nav.profile"), current: PortalRoutes.profile.path)
        layout.notice = notice
        let isOwner = customer.role == .owner
        let joined = members.filter { $0.status != .pending && $0.id != customer.id }
        let view = View(
            layout: layout, form: FormView(form), name: form.values["name"] ?? customer.name, email: customer.email,
            phone: form.values["phone"] ?? customer.phone, emailVerified: customer.isEmailVerified,
            organization: organization.name, accountNumber: organization.accountNumber,
            // Only people who joined: listing pending invitations would tell an owner which
            // invited addresses already had an account (those get no invitation).
            members: members.filter { $0.status != .pending || $0.id == customer.id }
                .map { member in
                    View.Member(
                        id: member.id.uuidString.lowercased(), name: member.name, email: member.email,
                        role: L10n.t("portal.profile.role.\(member.role.rawValue)"),
                        isYou: member.id == customer.id, canMakeOwner: isOwner && member.id != customer.id && member.status != .pending)
                },
            isOwner: isOwner,
            notifications: NotificationPreferences.Group.allCases.map {
                View.Toggle(value: $0.rawValue, label: $0.label, enabled: !page.preferences.muted.contains($0.rawValue))
            },
            devices: DeviceListView(
                page.devices, signOut: PortalRoutes.profileSessionSignOut, signOutOthers: PortalRoutes.profileSessionsSignOutOthers,
                explanation: Self.devicesExplanation),
            deletionRequested: page.deletionRequestedAt.map(DisplayDate.dateTime),
            mustHandOver: isOwner && !joined.isEmpty,
            deletionNote: page.deletionRequestedAt.map { L10n.t("portal.profile.deletionNote", ["date": DisplayDate.dateTime($0)]) } ?? ""
        )
        return try renderer.render(.portalProfile, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func show(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        try await render(context)
    }

    func origin(_ request: Request, _ context: CustomerRequestContext) -> RequestOrigin {
        RequestOrigin(request, ip: context.clientIP)
    }

    /// Runs `action`; validation problems re-render the page with the fields marked.
    func handle(
        _ request: Request, context: CustomerRequestContext, form: FormFields, notice: String,
        _ action: () async throws -> Void
    ) async throws -> HTML {
        do {
            try await action()
            return try await render(context, notice: notice)
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await render(context, form: state, status: .unprocessableContent)
        }
    }

    @Sendable func saveDetails(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        return try await handle(request, context: context, form: form, notice: L10n.t("portal.profile.detailsSaved")) {
            try await accounts.updateProfile(
                customer: context.customer, name: form.text("name"), phone: form.text("phone"), tenant: context.tenant,
                origin: RequestOrigin(request, ip: context.clientIP))
        }
    }

    @Sendable func changeEmail(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let newEmail = EmailAddress.normalize(form.text("new_email")) ?? form.text("new_email")
        return try await handle(
            request, context: context, form: form,
            notice: L10n.t("portal.profile.emailSent", ["email": newEmail])
        ) {
            try await accounts.requestEmailChange(
                customer: context.customer, newEmail: form.text("new_email"), password: form["email_password"] ?? "",
                tenant: context.tenant, origin: origin(request, context))
        }
    }

    @Sendable func saveNotifications(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        try await preferences.save(enabled: form.all("enabled"), customer: context.customer, tenant: context.tenant)
        return try await render(context, notice: L10n.t("portal.profile.emailPrefsSaved"))
    }

    @Sendable func inviteMember(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let email = EmailAddress.normalize(form.text("member_email")) ?? form.text("member_email")
        return try await handle(
            request, context: context, form: form,
            notice: L10n.t("portal.profile.invitationSent", ["email": email])
        ) {
            try await accounts.inviteHouseholdMember(
                name: form.text("member_name"), email: form.text("member_email"), by: context.customer,
                tenant: context.tenant, origin: origin(request, context))
        }
    }

    @Sendable func changePassword(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let ended: Int
        do {
            ended = try await accounts.changePassword(
                customer: context.customer, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                keeping: context.auth.token, tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await render(context, form: state, status: .unprocessableContent)
        }
        return try await render(context, notice: L10n.t("portal.profile.passwordChanged") + " " + Self.endedElsewhere(ended))
    }

    /// "2 other devices were signed out." — what a password change or "sign out everywhere else" did.
    static func endedElsewhere(_ count: Int) -> String {
        count == 0 ? L10n.t("devices.notElsewhere") : L10n.texts.plural("devices.endedElsewhere", count: count)
    }

    static func owner(_ context: CustomerRequestContext) -> SignedInDevices.Owner {
        SignedInDevices.Owner(kind: .customer, id: context.customer.id, email: context.customer.email, token: context.auth.token)
    }

    @Sendable func signOutOthers(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let ended = try await devices.signOutOthers(
            for: Self.owner(context), tenant: context.tenant,
            origin: origin(request, context))
        return try await render(context, notice: Self.endedElsewhere(ended))
    }

    /// Signs one device out; naming this very session signs out here, like the header's button.
    @Sendable func signOutDevice(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else { throw AppError.notFound("session") }
        let result = try await devices.signOut(
            device: id, for: Self.owner(context), tenant: context.tenant,
            origin: origin(request, context))
        switch result {
        case .signedOutHere:
            return Redirect(to: PortalRoutes.login.path).response(setting: cookies.clearSession())
        case .signedOut(let label):
            return try await render(context, notice: L10n.t("devices.signedOut", ["device": label])).response(from: request, context: context)
        }
    }
}
