import Foundation
import Hummingbird
import Mustache

/// `/admin/customers/invitations` (agents and admins): invite, in one go, the logins without a
/// password of a filtered subscriber list or of a CSV import. The page first says how many it
/// will invite ("This will invite 42 subscribers") and names the first of them; nothing is sent
/// until that is confirmed, and only as many as the tenant's hourly allowance still permits.
struct AdminInvitationsController {
    let renderer: PageRenderer
    let invitations: CustomerInvitations

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.invitations, use: preview)
        group.post(ConsoleRoutes.invitations, use: send)
    }

    @MustacheView
    struct View {
        let layout: LayoutModel
        let form: FormView
        let selection: String
        let summary: String
        let detail: String?
        let canSend: Bool
        let willInvite: Int
        let buttonLabel: String
        let sample: [Person]
        let more: String?
        let hidden: [Hidden]
        let backHref: String
        let backLabel: String
        @MustacheView
        struct Person { let name: String; let email: String; let accountNumber: String }
        @MustacheView
        struct Hidden { let name: String; let value: String }
    }

    /// The selection a page or form names; a malformed import reference is a 404, like a missing import.
    func selection(_ values: (String) -> String?) throws -> CustomerInvitations.Selection {
        let search = String((values("q") ?? "").prefix(200)).trimmingCharacters(in: .whitespaces)
        let access = (values("access") ?? "").isEmpty ? nil : InvitationStatus.Key(rawValue: values("access") ?? "")
        if let raw = values("access"), !raw.isEmpty, access == nil {
            throw AppError(.badRequest, code: "bad_filter", L10n.t("console.invitations.unknownFilter", ["filter": String(raw.prefix(40))]))
        }
        var importId: String?
        if let raw = values("import"), !raw.isEmpty {
            guard ImportFiles.isWellFormed(raw) else { throw AppError.notFound("import") }
            importId = raw
        }
        return CustomerInvitations.Selection(search: search, access: access, importId: importId)
    }

    func render(
        _ selection: CustomerInvitations.Selection, context: StaffRequestContext, form: FormState = FormState(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let preview = try await invitations.preview(selection, tenant: context.tenant)
        let texts = L10n.texts
        var layout = context.layout(title: texts("console.invitations.title"), current: ConsoleRoutes.customers.path)
        layout.notice = notice
        let people = { (count: Int) in texts.plural("console.invitations.people", count: count) }
        let number = { (count: Int) in count.formatted(.number.locale(texts.locale)) }
        let hourEnds = preview.hourEndsAt.map { DisplayDate.time($0) } ?? texts("console.invitations.topOfHour")
        var summary: String
        var detail: String?
        if preview.matching == 0 {
            summary = texts("console.invitations.nobody")
        } else if preview.willInvite == 0 {
            summary = texts("console.invitations.quotaUsed", ["people": people(preview.matching), "quota": number(InvitationQuota.perHour)])
            detail = texts("console.invitations.comeBack", ["time": hourEnds])
        } else if preview.willInvite < preview.matching {
            summary = texts("console.invitations.partial", ["people": people(preview.willInvite), "matching": number(preview.matching)])
            detail = texts.plural(
                "console.invitations.remaining", count: preview.remainingThisHour, ["quota": number(InvitationQuota.perHour), "time": hourEnds])
        } else {
            summary = texts("console.invitations.willInvite", ["people": people(preview.willInvite)])
        }
        if preview.willInvite > 0 {
            detail = (detail.map { $0 + " " } ?? "") + texts("console.invitations.howItWorks")
        }
        var hidden = [View.Hidden(name: "q", value: selection.search), View.Hidden(name: "expected", value: "\(preview.willInvite)")]
        if let access = selection.access { hidden.append(.init(name: "access", value: access.rawValue)) }
        if let importId = selection.importId { hidden.append(.init(name: "import", value: importId)) }
        let listQuery = AdminCustomersController.listQuery(search: selection.search, access: selection.access)
        let view = View(
            layout: layout, form: FormView(form), selection: Self.describe(selection), summary: summary, detail: detail,
            canSend: preview.willInvite > 0, willInvite: preview.willInvite,
            buttonLabel: texts("console.invitations.invite", ["people": people(preview.willInvite)]),
            sample: preview.sample.map { .init(name: $0.name, email: $0.email, accountNumber: $0.accountNumber) },
            more: preview.matching > preview.sample.count
                ? texts("console.invitations.more", ["count": number(preview.matching - preview.sample.count)]) : nil,
            hidden: hidden,
            backHref: selection.importId != nil
                ? "\(ConsoleRoutes.customers.path)?access=not_invited" : "\(ConsoleRoutes.customers.path)?\(listQuery)",
            backLabel: texts(selection.importId != nil ? "console.invitations.allNotInvited" : "console.invitations.backToList"))
        return try renderer.render(.adminCustomersInvitations, theme: context.tenant.theme, view, status: status)
    }

    static func describe(_ selection: CustomerInvitations.Selection) -> String {
        let texts = L10n.texts
        var parts: [String] = []
        if selection.importId != nil { parts.append(texts("console.invitations.fromImport")) }
        if !selection.search.isEmpty { parts.append(texts("console.invitations.matching", ["search": selection.search])) }
        if let access = selection.access {
            parts.append(texts("console.invitations.withAccess", ["access": access.label.lowercased(with: texts.locale)]))
        }
        return parts.isEmpty
            ? texts("console.invitations.everyone") : texts("console.invitations.selection", ["parts": parts.joined(separator: ", ")])
    }

    @Sendable func preview(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let query = request.uri.queryParameters
        return try await render(try selection { query.get($0) }, context: context)
    }

    @Sendable func send(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let selection = try selection { form[$0] }
        guard let expected = Int(form.text("expected")), expected > 0, expected <= InvitationQuota.perHour else {
            throw AppError(
                .badRequest, code: "missing_count", L10n.t("console.invitations.incomplete"))
        }
        do {
            let sent = try await invitations.inviteAll(
                selection, expected: expected, by: context.staff, tenant: context.tenant,
                origin: context.origin(request))
            return try await render(
                selection, context: context,
                notice: L10n.texts.plural("console.invitations.sent", count: sent)
            )
        } catch let error as AppError where error.kind == .conflict || error.kind == .tooManyRequests {
            var html = try await render(selection, context: context, form: FormState(message: error.message), status: error.status)
            if let retryAfter = error.retryAfter { html.headers[.retryAfter] = "\(retryAfter)" }
            return html
        }
    }
}
