import Foundation
import Hummingbird
import NIOCore
import Postgres

/// The subscriber's data rights on `/portal/profile`: download everything the portal holds
/// about them as a ZIP, ask for their login to be deleted (or withdraw the request), and, for
/// an owner, hand the account over to another member (which an owner must do before asking).
struct SubscriberRightsController {
    let dependencies: AppDependencies
    var profile: ProfileController { ProfileController(dependencies: dependencies) }

    func addRoutes(to group: RouterGroup<CustomerRequestContext>) {
        group.get(PortalRoutes.profileDataZIP, use: download)
        group.post(PortalRoutes.profileDeletion, use: requestDeletion)
        group.post(PortalRoutes.profileDeletionWithdraw, use: withdrawDeletion)
        group.post(PortalRoutes.profileMemberMakeOwner, use: makeOwner)
    }

    static let ownerMustHandOver =
        "You own this account and other people use it. Make one of them the owner (under "
        + "“Make owner” in the account section below), then ask again."

    func audit(
        _ context: CustomerRequestContext, _ request: Request, action: String, details: [String: String] = [:],
        in tx: TenantTransaction
    ) async throws {
        try await dependencies.repositories.audit.record(
            .init(
                actorKind: "customer", actorId: context.customer.id, actorLabel: context.customer.email, action: action, targetKind: "customer",
                targetId: context.customer.email, ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "", details: details), in: tx)
    }

    /// The ZIP, built in a private temporary folder, streamed, then removed.
    @Sendable func download(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        // Each archive reads every record and file of the account: a handful an hour is plenty
        // for a person, and a stolen session cannot turn it into a load on the server.
        let limit = RateLimit.dataExport
        let decision = try await dependencies.rateLimiter.hit(
            limit, bucket: RateLimiter.bucket(limit, context.tenant.id.description, context.customer.id.uuidString))
        guard decision.allowed else {
            let minutes = max(1, (decision.retryAfter + 59) / 60)
            throw AppError(
                .tooManyRequests, code: "rate_limited",
                "You have downloaded your data \(limit.limit) times in the last hour. Please wait \(minutes) minute\(minutes == 1 ? "" : "s") before downloading it again.",
                retryAfter: decision.retryAfter)
        }
        let records = try await SubscriberDataRecords.load(customer: context.customer.id, tenant: context.tenant, pool: dependencies.pool)
        let scratch = try await offThread { try Scratch.directory(near: FileManager.default.temporaryDirectory, prefix: "subscriber-data") }
        let file = scratch.url.appendingPathComponent("data.zip")
        let size: Int
        do {
            let entries = try await SubscriberDataArchive(blobStore: dependencies.blobStore)
                .write(records, tenant: context.tenant.id, scratch: scratch, to: file)
            size = try await offThread { (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0 }
            try await dependencies.pool.withTenant(context.tenant.id) { tx in
                try await audit(
                    context, request, action: "customer.data_exported",
                    details: ["entries": "\(entries.count)", "bytes": "\(size)", "work_orders": "\(records.workOrders.count)"], in: tx)
            }
        } catch {
            await scratch.discard()
            throw error
        }
        let body = scratch.streaming(file, size: size)
        let name = "\(context.tenant.slug)-my-data-\(ISODates.today()).zip"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip",
                .contentDisposition: "attachment; filename=\"\(name)\"",
                .cacheControl: "no-store",
            ], body: body)
    }

    @Sendable func requestDeletion(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let form = try await FormFields.read(request)
        let reason = form.text("reason")
        guard reason.count <= 1000 else {
            var state = FormState.keeping(form)
            state.errors = ["reason": "Keep the reason under 1,000 characters (it has \(reason.count))."]
            return try await profile.render(context, form: state, status: .unprocessableContent)
        }
        let customer = context.customer
        let outcome: String? = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            guard let me = try await tx.first("SELECT role FROM customers WHERE id = \(customer.id) FOR UPDATE") else { throw AppError.notFound() }
            if try await DeletionRequests.pending(for: customer.id, in: tx) != nil { return "You already asked; staff will carry it out soon." }
            if try me.decode("role", as: String.self) == CustomerRole.owner.rawValue,
                try await tx.first(
                    """
                    SELECT 1 FROM customers WHERE organization_id = \(customer.organizationId) AND id <> \(customer.id) AND status <> 'pending' LIMIT 1
                    """) != nil
            {
                return nil
            }
            try await tx.execute(
                """
                INSERT INTO deletion_requests (tenant_id, customer_id, organization_id, reason)
                VALUES (\(context.tenant.id.rawValue), \(customer.id), \(customer.organizationId), \(reason))
                """)
            try await audit(context, request, action: "customer.deletion_requested", in: tx)
            return "We have your request. Staff will delete your login soon; until they do, you can still sign in and withdraw it here."
        }
        guard let outcome else {
            return try await profile.render(context, form: FormState(values: ["reason": reason], message: Self.ownerMustHandOver), status: .conflict)
        }
        return try await profile.render(context, notice: outcome)
    }

    @Sendable func withdrawDeletion(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        let withdrawn = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            let changed = try await tx.execute(
                """
                UPDATE deletion_requests SET status = 'withdrawn', resolved_at = now(), resolved_by = 'subscriber'
                 WHERE customer_id = \(context.customer.id) AND status = 'pending'
                """)
            if changed > 0 { try await audit(context, request, action: "customer.deletion_withdrawn", in: tx) }
            return changed > 0
        }
        return try await profile.render(
            context, notice: withdrawn ? "Your request is withdrawn; your login stays." : "There was no request to withdraw.")
    }

    /// The owner hands the account to another member who has joined; the owner becomes a member.
    @Sendable func makeOwner(_ request: Request, context: CustomerRequestContext) async throws -> HTML {
        guard let text = context.parameters.get("id"), let target = UUID(uuidString: text), target != context.customer.id else {
            throw AppError.notFound("member")
        }
        let customer = context.customer
        let name = try await dependencies.pool.withTenant(context.tenant.id) { tx in
            guard
                let heir = try await tx.first(
                    """
                    SELECT name FROM customers WHERE id = \(target) AND organization_id = \(customer.organizationId) AND status <> 'pending' FOR UPDATE
                    """)
            else { throw AppError.notFound("member") }
            guard try await tx.execute("UPDATE customers SET role = 'member' WHERE id = \(customer.id) AND role = 'owner'") == 1 else {
                throw AppError(.forbidden, code: "owner_only", "Only the account owner can hand the account over.")
            }
            try await tx.execute("UPDATE customers SET role = 'owner' WHERE id = \(target)")
            try await audit(context, request, action: "customer.ownership_transferred", details: ["new_owner": text.lowercased()], in: tx)
            return try heir.decode("name", as: String.self)
        }
        return try await profile.render(context, notice: "\(name) now owns this account; you are a member of it.")
    }
}

extension RateLimit {
    /// The subscriber's "Download my data" archive, per login.
    static let dataExport = RateLimit(name: "data-export", limit: 5, window: .seconds(3600), baseBlock: .seconds(900))
}
