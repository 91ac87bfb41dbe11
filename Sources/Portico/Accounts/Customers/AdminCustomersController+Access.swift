import Foundation
import Hummingbird
import Mustache
import PorticoCrypto
import Postgres

extension AdminCustomersController {
    // MARK: Invitations and access-code letters

    @Sendable func invite(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let form = try await FormFields.read(request)
        _ = try await customers.require(id, tenant: context.tenant.id)
        return try await act(
            id, request, context: context, form: form, notice: L10n.t("console.customer.invitationSent", ["email": form.text("member_email")])
        ) {
            _ = try await accounts.inviteMember(
                name: form.text("member_name"), email: form.text("member_email"), organization: id, invitedBy: context.staff.email,
                tenant: context.tenant, origin: context.origin(request), createdByStaff: context.staff.id)
        }
    }

    /// Sends a login without a password its invitation, or a new one (the old link stops working).
    @Sendable func inviteMember(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        guard let text = context.parameters.get("customer"), let customerID = UUID(uuidString: text) else { throw AppError.notFound("login") }
        do {
            let (customer, sent) = try await invitations.invite(
                customer: customerID, organization: id, by: context.staff, tenant: context.tenant, origin: context.origin(request))
            return try await renderDetail(
                id, context: context,
                notice: sent == .resent
                    ? L10n.t("console.customer.invitationResent", ["email": customer.email])
                    : L10n.t("console.customer.invitationSent", ["email": customer.email]))
        } catch let error as AppError where error.kind == .conflict || error.kind == .tooManyRequests {
            var html = try await renderDetail(id, context: context, form: FormState(message: error.message), status: error.status)
            if let retryAfter = error.retryAfter { html.headers[.retryAfter] = "\(retryAfter)" }
            return html
        }
    }

    /// A new access code for a letter: shown once, on a printable page; only its hash is kept.
    @Sendable func accessCode(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let id = try organizationID(context)
        let (organization, code) = try await customers.issueAccessCode(
            for: id, staff: context.staff, origin: context.origin(request), tenant: context.tenant.id)
        let formatted = "\(code.prefix(4))-\(code.dropFirst(4).prefix(4))-\(code.suffix(2))"
        return try renderer.render(
            .adminCustomersLetter, theme: context.tenant.theme,
            LetterView(
                layout: {
                    var layout = context.layout(title: L10n.t("console.letter.title"), current: ConsoleRoutes.customers.path);
                    layout.printable = true;
                    return layout
                }(),
                name: organization.name, address: organization.serviceAddress, accountNumber: organization.accountNumber, code: formatted,
                registerUrl: context.tenant.url(PortalRoutes.register.path), companyName: context.tenant.branding.companyName,
                supportPhone: context.tenant.branding.supportPhone, backHref: ConsoleRoutes.customer(id),
                expires: DisplayDate.date(Date().addingTimeInterval(90 * 86_400))))
    }

    @MustacheView
    struct LetterView {
        let layout: LayoutModel
        let name: String
        let address: String
        let accountNumber: String
        let code: String
        let registerUrl: String
        let companyName: String
        let supportPhone: String?
        let backHref: String
        let expires: String
        /// "You can follow … with Acme online."
        let followText: String
        /// "The code works once and expires on …."
        let expiresText: String
        let callText: String?

        init(
            layout: LayoutModel, name: String, address: String, accountNumber: String, code: String, registerUrl: String, companyName: String,
            supportPhone: String?, backHref: String, expires: String
        ) {
            self.layout = layout
            self.name = name
            self.address = address
            self.accountNumber = accountNumber
            self.code = code
            self.registerUrl = registerUrl
            self.companyName = companyName
            self.supportPhone = supportPhone
            self.backHref = backHref
            self.expires = expires
            let texts = L10n.texts
            followText = texts("console.letter.follow", ["company": companyName])
            expiresText = texts("console.letter.expires", ["date": expires])
            callText = supportPhone.map { texts("console.letter.call", ["phone": $0]) }
        }
    }
}
