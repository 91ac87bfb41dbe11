import Foundation
import Hummingbird
import Mustache

/// `/admin/domains` (admins): the platform subdomain and the tenant's custom domains; add a
/// domain (then create a DNS TXT record and a CNAME), verify it, make it primary, remove it.
struct DomainsController {
    let dependencies: AppDependencies
    var domains: CustomDomains { CustomDomains(dependencies: dependencies) }

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.domains, use: list)
        group.post(ConsoleRoutes.domains, use: add)
        group.post(ConsoleRoutes.domainVerify, use: verify)
        group.post(ConsoleRoutes.domainPrimary, use: makePrimary)
        group.post(ConsoleRoutes.domainRemove, use: remove)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let platformHost: String
        let platformIsPrimary: Bool
        let cnameTarget: String
        let domains: [Row]
        let pending: [Row]
        let hasDomains: Bool
        let check: Check?

        @MustacheView
        struct Row {
            let domain: String
            let active: Bool
            let primary: Bool
            let status: String
            let badge: String
            let recordName: String
            let token: String
            let added: String
            let verified: String
            let highlighted: Bool
        }

        /// The result of a verification that did not activate the domain.
        @MustacheView
        struct Check {
            let heading: String
            let message: String
            let found: [String]
            let hasFound: Bool
            let expected: String
        }
    }

    func render(
        _ context: StaffRequestContext, form: FormState = FormState(), notice: String? = nil, check: View.Check? = nil,
        highlight: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let list = try await domains.list(tenant: context.tenant.id)
        let platformHost = dependencies.directory.platformHost(slug: context.tenant.slug)
        var layout = context.layout(title: "Domains", current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let rows = list.map { domain in
            View.Row(
                domain: domain.domain, active: domain.isActive, primary: domain.isPrimary,
                status: domain.isActive ? "Active" : "Waiting for DNS verification",
                badge: domain.isActive ? "confirmed" : "waiting",
                recordName: DomainVerification.recordName(for: domain.domain), token: domain.verificationToken,
                added: DisplayDate.dateTime(domain.createdAt), verified: domain.verifiedAt.map(DisplayDate.dateTime) ?? "",
                highlighted: domain.domain == highlight
            )
        }
        let view = View(
            layout: layout, form: FormView(form), platformHost: platformHost,
            platformIsPrimary: !list.contains { $0.isPrimary && $0.isActive }, cnameTarget: platformHost,
            domains: rows, pending: rows.filter { !$0.active }, hasDomains: !rows.isEmpty, check: check
        )
        return try dependencies.renderer.render(.adminDomains, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func add(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let (added, enteredAs) = try await domains.add(
                form.text("domain"), tenant: context.tenant, by: context.staff, origin: context.origin(request))
            let name = enteredAs.map { "\($0) (in DNS: \(added.domain))" } ?? added.domain
            return try await render(
                context,
                notice:
                    "\(name) was added. Create the two DNS records below, then press “Verify now”. Until it is verified, the domain shows nothing.",
                highlight: added.domain
            )
        } catch let error as AppError where error.kind == .validation || error.kind == .conflict {
            var state = FormState.keeping(form)
            state.errors = error.fields
            state.message = error.message
            return try await render(context, form: state, status: error.status)
        }
    }

    @Sendable func verify(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let name = context.parameters.get("domain") ?? ""
        switch try await domains.verify(name, tenant: context.tenant, by: context.staff, origin: context.origin(request)) {
        case .verified(let domain):
            return try await render(
                context,
                notice: "\(domain.domain) is verified and active: it now opens your portal. Make it primary to use it in the links of your emails.",
                highlight: domain.domain)
        case .alreadyActive(let domain):
            return try await render(context, notice: "\(domain.domain) is already verified and active.", highlight: domain.domain)
        case .activeElsewhere(let domain):
            return try await render(
                context,
                check: View.Check(
                    heading: "\(domain.domain) cannot be verified",
                    message:
                        "\(domain.domain) is already active for another portal. If the domain is yours, have it removed there first, or contact platform support.",
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .conflict)
        case .recordNotFound(let domain):
            let record = DomainVerification.recordName(for: domain.domain)
            return try await render(
                context,
                check: View.Check(
                    heading: "\(domain.domain) is not verified yet",
                    message:
                        "No TXT record was found at \(record). Create it with the value below, then try again. New DNS records can take a few minutes, sometimes hours, to appear.",
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .unprocessableContent)
        case .differentValue(let domain, let found):
            let record = DomainVerification.recordName(for: domain.domain)
            let shown = found.prefix(10).map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }
            return try await render(
                context,
                check: View.Check(
                    heading: "\(domain.domain) is not verified yet",
                    message:
                        "The TXT record at \(record) has a different value. Change it to the expected value below (and remove old values), then try again.",
                    found: shown, hasFound: true, expected: domain.verificationToken
                ), highlight: domain.domain, status: .unprocessableContent)
        case .lookupFailed(let domain, let error):
            let record = DomainVerification.recordName(for: domain.domain)
            return try await render(
                context,
                check: View.Check(
                    heading: "\(domain.domain) could not be checked",
                    message: "The DNS lookup of \(record) failed: \(error). Nothing was changed; please try again in a few minutes.",
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .badGateway)
        }
    }

    @Sendable func makePrimary(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let name = context.parameters.get("domain") ?? ""
        let host = try await domains.makePrimary(name, tenant: context.tenant, by: context.staff, origin: context.origin(request))
        let platform = host == dependencies.directory.platformHost(slug: context.tenant.slug)
        return try await render(
            context,
            notice: platform
                ? "Links in your emails now use \(host) again."
                : "\(host) is now your primary domain: links in your emails use it from now on.")
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let name = context.parameters.get("domain") ?? ""
        let removed = try await domains.remove(name, tenant: context.tenant, by: context.staff, origin: context.origin(request))
        var notice = "\(removed.domain) was removed: it no longer opens your portal."
        if removed.isPrimary {
            notice += " Links in your emails use \(dependencies.directory.platformHost(slug: context.tenant.slug)) again."
        }
        if HostName.fromHostHeader(context.requestHost) == removed.domain {
            let platform = PublicOrigin(configuration: dependencies.configuration).origin(
                host: dependencies.directory.platformHost(slug: context.tenant.slug))
            notice += " You were using it for this page: continue at \(platform)/admin."
        }
        return try await render(context, notice: notice)
    }
}
