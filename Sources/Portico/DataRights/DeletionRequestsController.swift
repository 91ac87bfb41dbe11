import Foundation
import Hummingbird
import Mustache
import Postgres

/// Admins' side of subscriber deletion: `/admin/deletion-requests` lists what subscribers
/// asked for, and `/admin/customers/:id/members/:customer/delete` deletes a login after the
/// admin types its email address (whether or not the subscriber asked).
struct DeletionRequestsController {
    let pool: ConnectionPool
    let repositories: Repositories
    let renderer: PageRenderer
    let erasure: CustomerErasure
    let customers: AdminCustomersController

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ConsoleRoutes.deletionRequests, use: list)
        group.get(ConsoleRoutes.customerMemberDelete, use: confirmPage)
        group.post(ConsoleRoutes.customerMemberDelete, use: delete)
    }

    @MustacheView
    struct ListView {
        let layout: LayoutModel
        let intro: String
        let pending: [Pending]
        let closed: [Closed]
        @MustacheView
        struct Pending {
            let name: String; let email: String; let account: String; let organization: String; let reason: String; let requested: String;
            let href: String
        }
        @MustacheView
        struct Closed { let account: String; let outcome: String; let requested: String; let resolved: String; let by: String }
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let (pending, closed) = try await pool.withTenant(context.tenant.id) { tx in
            (try await DeletionRequests.pending(in: tx), try await DeletionRequests.recentlyClosed(limit: 20, in: tx))
        }
        return try renderer.render(
            .adminDeletionRequests, theme: context.tenant.theme,
            ListView(
                layout: context.layout(title: L10n.t("console.deletions.title"), current: ConsoleRoutes.deletionRequests.path),
                intro: L10n.t("console.deletions.intro", ["replacement": CustomerErasure.replacement]),
                pending: pending.map {
                    .init(
                        name: $0.name, email: $0.email, account: $0.accountNumber, organization: $0.organizationName, reason: $0.reason,
                        requested: DisplayDate.dateTime($0.requestedAt),
                        href: ConsoleRoutes.customerMemberDelete($0.organizationId, $0.customerId))
                },
                closed: closed.map {
                    .init(
                        account: $0.accountNumber,
                        outcome: L10n.t($0.status == "completed" ? "console.deletions.deleted" : "console.deletions.withdrawn"),
                        requested: DisplayDate.dateTime($0.requestedAt), resolved: DisplayDate.dateTime($0.resolvedAt), by: $0.resolvedBy)
                }))
    }

    @MustacheView
    struct ConfirmView {
        let layout: LayoutModel
        let form: FormView
        let name: String
        let email: String
        let accountName: String
        let accountHref: String
        let action: String
        let requested: String?
        let reason: String
        let isOwner: Bool
        let heading: String
        /// "Ana asked for this on …: “…”." when she did.
        let requestedText: String?
        let notRequestedText: String
        let removedText: String
        let historyText: String
        let ownerText: String
        let confirmLabel: String
    }

    /// The member named by the path, in the account named by the path (anything else: 404).
    func target(_ context: StaffRequestContext) async throws -> (Customer, Organization, (Date, String)?) {
        guard let org = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let id = context.parameters.get("customer").flatMap(UUID.init(uuidString:))
        else { throw AppError.notFound("customer") }
        let found = try await pool.withTenant(context.tenant.id) { tx -> (Customer, Organization, (Date, String)?)? in
            guard let customer = try await repositories.customers.find(id: id, in: tx), customer.organizationId == org,
                let organization = try await repositories.organizations.find(id: org, in: tx)
            else { return nil }
            return (customer, organization, try await DeletionRequests.pendingRequest(for: id, in: tx).map { ($0.requestedAt, $0.reason) })
        }
        guard let found else { throw AppError.notFound("customer") }
        return found
    }

    func renderConfirm(_ context: StaffRequestContext, form: FormState = FormState(), status: HTTPResponse.Status = .ok) async throws -> HTML {
        let (customer, organization, request) = try await target(context)
        let accountHref = ConsoleRoutes.customer(organization.id)
        let texts = L10n.texts
        let name = customer.name
        let requested = request.map { DisplayDate.dateTime($0.0) }
        let heading = texts("console.deleteLogin.heading", ["name": name])
        return try renderer.render(
            .adminCustomersDeleteLogin, theme: context.tenant.theme,
            ConfirmView(
                layout: context.layout(title: heading, current: ConsoleRoutes.customers.path), form: FormView(form),
                name: name, email: customer.email, accountName: organization.name, accountHref: accountHref,
                action: "\(accountHref)/members/\(customer.id.uuidString.lowercased())/delete",
                requested: requested, reason: request?.1 ?? "", isOwner: customer.role == .owner, heading: heading,
                requestedText: requested.map { when in
                    let reason = request?.1 ?? ""
                    return reason.isEmpty
                        ? texts("console.deleteLogin.asked", ["name": name, "when": when])
                        : texts("console.deleteLogin.askedBecause", ["name": name, "when": when, "reason": reason])
                },
                notRequestedText: texts("console.deleteLogin.notAsked", ["name": name]),
                removedText: texts("console.deleteLogin.removed", ["name": name, "email": customer.email]),
                historyText: texts("console.deleteLogin.history", ["account": organization.name, "replacement": CustomerErasure.replacement]),
                ownerText: texts("console.deleteLogin.owner", ["name": name]),
                confirmLabel: texts("console.deleteLogin.confirmLabel", ["email": customer.email])), status: status)
    }

    @Sendable func confirmPage(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        try await renderConfirm(context)
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> HTML {
        let (customer, organization, _) = try await target(context)
        let form = try await FormFields.read(request)
        guard EmailAddress.normalize(form.text("confirm_email")) == customer.email else {
            var state = FormState.keeping(form)
            state.errors = ["confirm_email": L10n.t("console.deleteLogin.typeEmail", ["email": customer.email])]
            return try await renderConfirm(context, form: state, status: .unprocessableContent)
        }
        let outcome = try await erasure.erase(
            customer: customer.id, organization: organization.id, by: context.staff, tenant: context.tenant, origin: context.origin(request))
        var notice = L10n.t("console.deleteLogin.done", ["name": outcome.name, "replacement": CustomerErasure.replacement])
        if let owner = outcome.newOwner { notice += " " + L10n.t("console.deleteLogin.newOwner", ["name": owner]) }
        return try await customers.renderDetail(organization.id, context: context, notice: notice)
    }
}
