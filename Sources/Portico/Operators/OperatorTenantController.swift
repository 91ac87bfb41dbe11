import Foundation
import Hummingbird
import Mustache
import Postgres

/// One tenant on the operator console: its hosts, its admins, and a one-time set-password
/// link for an admin who cannot get back in by "Forgot password?" (the mailbox is gone too).
struct OperatorTenantController {
    let directory: TenantDirectory
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let tenants: any TenantStore

    func addRoutes(to group: RouterGroup<OperatorRequestContext>) {
        group.get(OperatorRoutes.tenant, use: show)
        group.post(OperatorRoutes.tenantStaffResetLink, use: issueResetLink)
    }

    @MustacheView
    struct Admin {
        let email: String
        let name: String
        let status: String
        let twoFactor: Bool
    }

    @MustacheView
    struct IssuedLink {
        let email: String
        let link: String
        let hours: Int
        init(email: String, link: String, hours: Int) {
            self.email = email
            self.link = link
            self.hours = hours
            termsText = L10n.texts.plural("operator.tenant.issuedTerms", count: hours)
        }
        /// "(one use, 24 hours):"
        let termsText: String
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let tenant: OperatorTenantHeading
        let admins: [Admin]
        let hasAdmins: Bool
        let form: FormView
        let issued: IssuedLink?
    }

    func tenant(_ context: OperatorRequestContext) async throws -> Tenant {
        let slug = context.parameters.get("slug") ?? ""
        guard let tenant = try await tenants.tenant(slug: slug) else { throw AppError.notFound("tenant") }
        return tenant
    }

    func render(
        _ tenant: Tenant, context: OperatorRequestContext, form: FormState = FormState(), issued: IssuedLink? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let staff = try await pool.withTenant(tenant.id) { tx in try await repositories.staff.all(in: tx) }
        let admins = staff.filter { $0.role == .admin }.map {
            Admin(email: $0.email, name: $0.name, status: L10n.t("console.staff.state.\($0.status.rawValue)"), twoFactor: $0.totpEnabledAt != nil)
        }
        let domains = try await tenants.domains(for: tenant.id).map { TenantCommands.Listed.Domain(name: $0.domain, verified: $0.isActive) }
        let heading = OperatorTenantHeading(
            slug: tenant.slug, name: tenant.name, status: tenant.status.rawValue, host: directory.platformHost(slug: tenant.slug),
            domains: domains)
        let view = View(
            layout: context.layout(title: tenant.name), tenant: heading, admins: admins, hasAdmins: !admins.isEmpty,
            form: FormView(form), issued: issued)
        var html = try renderer.render(.operatorTenant, view, status: status)
        // The page may show a live set-password link: keep it out of caches and Referer headers.
        if issued != nil { html.headers[.referrerPolicy] = HTML.tokenPageReferrerPolicy }
        return html
    }

    @Sendable func show(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        try await render(try await tenant(context), context: context)
    }

    @Sendable func issueResetLink(_ request: Request, context: OperatorRequestContext) async throws -> HTML {
        let tenant = try await tenant(context)
        let form = try await FormFields.read(request)
        do {
            let issued = try await StaffResetLinks.issue(
                slug: tenant.slug, email: form.text("email"), operatorLabel: context.session.email,
                operatorID: context.session.operatorId, ip: context.clientIP,
                pool: pool, directory: directory)
            return try await render(
                tenant, context: context,
                issued: IssuedLink(
                    email: issued.email, link: issued.link, hours: Int(issued.expiresIn.components.seconds / 3600)))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await render(tenant, context: context, form: state, status: .unprocessableContent)
        }
    }
}
