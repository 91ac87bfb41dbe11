import Foundation
import Hummingbird
import Mustache

/// `/admin/domains` (admins): the platform subdomain and the tenant's custom domains; add a
/// domain (then create a DNS TXT record and a CNAME), verify it, make it primary, remove it.
struct DomainsController {
    let configuration: AppConfiguration
    let directory: TenantDirectory
    let renderer: PageRenderer
    let domains: CustomDomains

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
            let sinceText: String
            /// "x stops opening your portal at once, and …"
            let removeEffect: String
            let removeLabel: String
            let setupHeading: String
            let addedText: String
            let verifyLabel: String
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
        let platformHost = directory.platformHost(slug: context.tenant.slug)
        var layout = context.layout(title: L10n.t("console.domains.title"), current: ConsoleRoutes.settings.path)
        layout.notice = notice
        let texts = L10n.texts
        let rows = list.map { domain in
            let name = domain.domain
            return View.Row(
                domain: domain.domain, active: domain.isActive, primary: domain.isPrimary,
                status: texts(domain.isActive ? "console.domains.active" : "console.domains.waiting"),
                badge: domain.isActive ? "confirmed" : "waiting",
                recordName: DomainVerification.recordName(for: domain.domain), token: domain.verificationToken,
                added: DisplayDate.dateTime(domain.createdAt), verified: domain.verifiedAt.map(DisplayDate.dateTime) ?? "",
                highlighted: domain.domain == highlight,
                sinceText: texts("console.domains.since", ["date": domain.verifiedAt.map(DisplayDate.dateTime) ?? ""]),
                removeEffect: domain.isPrimary
                    ? texts("console.domains.removeEffectPrimary", ["domain": name, "platform": platformHost])
                    : texts("console.domains.removeEffect", ["domain": name]),
                removeLabel: texts("console.domains.removeNamed", ["domain": name]),
                setupHeading: texts("console.domains.setUp", ["domain": name]),
                addedText: texts("console.domains.added", ["date": DisplayDate.dateTime(domain.createdAt)]),
                verifyLabel: texts("console.domains.verifyNamed", ["domain": name])
            )
        }
        let view = View(
            layout: layout, form: FormView(form), platformHost: platformHost,
            platformIsPrimary: !list.contains { $0.isPrimary && $0.isActive }, cnameTarget: platformHost,
            domains: rows, pending: rows.filter { !$0.active }, hasDomains: !rows.isEmpty, check: check
        )
        return try renderer.render(.adminDomains, theme: context.tenant.theme, view, status: status)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await render(context)
    }

    @Sendable func add(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        do {
            let (added, enteredAs) = try await domains.add(
                form.text("domain"), tenant: context.tenant, by: context.staff, origin: context.origin(request))
            let name = enteredAs.map { L10n.t("console.domains.inDNS", ["entered": $0, "domain": added.domain]) } ?? added.domain
            return try await render(
                context,
                notice: L10n.t("console.domains.addedNotice", ["domain": name]),
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
                notice: L10n.t("console.domains.verified", ["domain": domain.domain]),
                highlight: domain.domain)
        case .alreadyActive(let domain):
            return try await render(context, notice: L10n.t("console.domains.alreadyActive", ["domain": domain.domain]), highlight: domain.domain)
        case .activeElsewhere(let domain):
            return try await render(
                context,
                check: View.Check(
                    heading: L10n.t("console.domains.cannotVerify", ["domain": domain.domain]),
                    message: L10n.t("console.domains.activeElsewhere", ["domain": domain.domain]),
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .conflict)
        case .recordNotFound(let domain):
            let record = DomainVerification.recordName(for: domain.domain)
            return try await render(
                context,
                check: View.Check(
                    heading: L10n.t("console.domains.notYet", ["domain": domain.domain]),
                    message: L10n.t("console.domains.noRecord", ["record": record]),
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .unprocessableContent)
        case .differentValue(let domain, let found):
            let record = DomainVerification.recordName(for: domain.domain)
            let shown = found.prefix(10).map { $0.count > 300 ? String($0.prefix(300)) + "…" : $0 }
            return try await render(
                context,
                check: View.Check(
                    heading: L10n.t("console.domains.notYet", ["domain": domain.domain]),
                    message: L10n.t("console.domains.differentValue", ["record": record]),
                    found: shown, hasFound: true, expected: domain.verificationToken
                ), highlight: domain.domain, status: .unprocessableContent)
        case .lookupFailed(let domain, let error):
            let record = DomainVerification.recordName(for: domain.domain)
            return try await render(
                context,
                check: View.Check(
                    heading: L10n.t("console.domains.notChecked", ["domain": domain.domain]),
                    message: L10n.t("console.domains.lookupFailed", ["record": record, "error": "\(error)"]),
                    found: [], hasFound: false, expected: domain.verificationToken
                ), highlight: domain.domain, status: .badGateway)
        }
    }

    @Sendable func makePrimary(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let name = context.parameters.get("domain") ?? ""
        let host = try await domains.makePrimary(name, tenant: context.tenant, by: context.staff, origin: context.origin(request))
        let platform = host == directory.platformHost(slug: context.tenant.slug)
        return try await render(
            context,
            notice: platform
                ? L10n.t("console.domains.linksAgain", ["host": host])
                : L10n.t("console.domains.nowPrimary", ["host": host]))
    }

    @Sendable func remove(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let name = context.parameters.get("domain") ?? ""
        let removed = try await domains.remove(name, tenant: context.tenant, by: context.staff, origin: context.origin(request))
        var notice = L10n.t("console.domains.removed", ["domain": removed.domain])
        if removed.isPrimary {
            notice += " " + L10n.t("console.domains.removedLinks", ["host": directory.platformHost(slug: context.tenant.slug)])
        }
        if HostName.fromHostHeader(context.requestHost) == removed.domain {
            let platform = PublicOrigin(configuration: configuration).origin(
                host: directory.platformHost(slug: context.tenant.slug))
            notice += " " + L10n.t("console.domains.continueAt", ["url": "\(platform)/admin"])
        }
        return try await render(context, notice: notice)
    }
}
