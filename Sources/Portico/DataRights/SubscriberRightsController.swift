import Foundation
import Hummingbird

/// The subscriber's data rights on `/portal/profile`: download everything the portal holds
/// about them as a ZIP, ask for their login to be deleted (or withdraw the request), and, for
/// an owner, hand the account over to another member (which an owner must do before asking).
struct SubscriberRightsController {
    let rights: SubscriberRights
    /// Every answer is the profile page again, with a notice or the problem.
    let profile: ProfileController

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.profileDataZIP, use: download)
        group.post(PortalRoutes.profileDeletion, use: requestDeletion)
        group.post(PortalRoutes.profileDeletionWithdraw, use: withdrawDeletion)
        group.post(PortalRoutes.profileMemberMakeOwner, use: makeOwner)
    }

    func origin(_ request: Request, _ context: CustomerRequestContext) -> RequestOrigin {
        RequestOrigin(request, ip: context.clientIP)
    }

    /// The ZIP, built in a private temporary folder, streamed, then removed.
    @Sendable func download(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let archive = try await rights.archive(customer: context.customer, tenant: context.tenant, origin: origin(request, context))
        let name = "\(context.tenant.slug)-my-data-\(ISODates.today()).zip"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ], body: archive.scratch.streaming(archive.file, size: archive.size))
    }

    @Sendable func requestDeletion(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let reason = form.text("reason")
        let outcome: SubscriberRights.DeletionOutcome
        do {
            outcome = try await rights.requestDeletion(
                reason: reason, customer: context.customer, tenant: context.tenant, origin: origin(request, context))
        } catch let error as AppError where error.kind == .validation {
            var state = FormState.keeping(form)
            state.errors = error.fields
            return try await profile.render(context, form: state, status: .unprocessableContent)
        }
        switch outcome {
        case .requested: return try await profile.render(context, notice: L10n.t("portal.rights.deletionRequested"))
        case .alreadyRequested: return try await profile.render(context, notice: L10n.t("portal.rights.alreadyRequested"))
        case .ownerMustHandOver:
            return try await profile.render(
                context, form: FormState(values: ["reason": reason], message: L10n.t("portal.profile.mustHandOver")), status: .conflict)
        }
    }

    @Sendable func withdrawDeletion(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let withdrawn = try await rights.withdrawDeletion(customer: context.customer, tenant: context.tenant, origin: origin(request, context))
        return try await profile.render(context, notice: L10n.t(withdrawn ? "portal.rights.withdrawn" : "portal.rights.nothingToWithdraw"))
    }

    /// The owner hands the account to another member who has joined; the owner becomes a member.
    @Sendable func makeOwner(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let heir = UUID(uuidString: text) else { throw AppError.notFound("member") }
        let name = try await rights.handOver(to: heir, customer: context.customer, tenant: context.tenant, origin: origin(request, context))
        return try await profile.render(context, notice: L10n.t("portal.rights.newOwner", ["name": name]))
    }
}

extension RateLimit {
    /// The subscriber's "Download my data" archive, per login.
    static let dataExport = RateLimit(name: "data-export", limit: 5, window: .seconds(3600), baseBlock: .seconds(900))
}
