import Foundation
import Postgres

/// What a subscriber may do about the data Portico holds on them, HTTP-free: download all of
/// it as a ZIP, ask for their login to be deleted (or withdraw the request), and, for an
/// owner, hand the account over to another member (which an owner must do before asking).
/// Each change is audited in the transaction that makes it.
public struct SubscriberRights: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let rateLimiter: RateLimiter
    let blobStore: any BlobStore

    public init(pool: ConnectionPool, repositories: Repositories, rateLimiter: RateLimiter, blobStore: any BlobStore) {
        self.pool = pool
        self.repositories = repositories
        self.rateLimiter = rateLimiter
        self.blobStore = blobStore
    }

    static let maximumReasonLength = 1000

    /// The archive, written in a private scratch folder the caller streams and then removes.
    struct Archive: Sendable {
        let scratch: Scratch
        let file: URL
        let size: Int
    }

    func archive(customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> Archive {
        // Each archive reads every record and file of the account: a handful an hour is plenty
        // for a person, and a stolen session cannot turn it into a load on the server.
        let limit = RateLimit.dataExport
        let decision = try await rateLimiter.hit(limit, bucket: RateLimiter.bucket(limit, tenant.id.description, customer.id.uuidString))
        guard decision.allowed else {
            let minutes = max(1, (decision.retryAfter + 59) / 60)
            throw AppError(
                .tooManyRequests, code: "rate_limited",
                L10n.texts.plural("portal.rights.downloadLimit", count: minutes, ["limit": "\(limit.limit)"]), retryAfter: decision.retryAfter)
        }
        let records = try await SubscriberDataRecords.load(customer: customer.id, tenant: tenant, pool: pool)
        let scratch = try await offThread { try Scratch.directory(near: FileManager.default.temporaryDirectory, prefix: "subscriber-data") }
        let file = scratch.url.appendingPathComponent("data.zip")
        do {
            let entries = try await SubscriberDataArchive(blobStore: blobStore).write(records, tenant: tenant.id, scratch: scratch, to: file)
            let size = try await offThread { (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0 }
            try await pool.withTenant(tenant.id) { tx in
                try await audit(
                    customer, origin, action: "customer.data_exported",
                    details: ["entries": "\(entries.count)", "bytes": "\(size)", "work_orders": "\(records.workOrders.count)"], in: tx)
            }
            return Archive(scratch: scratch, file: file, size: size)
        } catch {
            await scratch.discard()
            throw error
        }
    }

    public enum DeletionOutcome: Sendable, Equatable {
        case requested
        case alreadyRequested
        /// An owner whose account others use must make one of them the owner first.
        case ownerMustHandOver
    }

    public func requestDeletion(
        reason: String, customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> DeletionOutcome {
        guard reason.count <= Self.maximumReasonLength else {
            throw AppError.validation(["reason": L10n.atMostCharacters(Self.maximumReasonLength, grouped: true)])
        }
        return try await pool.withTenant(tenant.id) { tx in
            guard let role = try await repositories.customers.lockRole(of: customer.id, in: tx) else { throw AppError.notFound() }
            if try await DeletionRequests.pending(for: customer.id, in: tx) != nil { return .alreadyRequested }
            if role == .owner, try await repositories.customers.hasOtherMembers(of: customer.organizationId, besides: customer.id, in: tx) {
                return .ownerMustHandOver
            }
            try await DeletionRequests.create(customer: customer.id, organization: customer.organizationId, reason: reason, in: tx)
            try await audit(customer, origin, action: "customer.deletion_requested", in: tx)
            return .requested
        }
    }

    /// False when there was no pending request.
    public func withdrawDeletion(customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> Bool {
        try await pool.withTenant(tenant.id) { tx in
            let withdrawn = try await DeletionRequests.withdraw(customer: customer.id, in: tx)
            if withdrawn { try await audit(customer, origin, action: "customer.deletion_withdrawn", in: tx) }
            return withdrawn
        }
    }

    /// Hands the account to `heir`, a member who joined it; the owner becomes a member.
    /// Returns the new owner's name. Anyone else (another account's member, an invitation not
    /// accepted, a stranger): not found.
    public func handOver(to heir: UUID, customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> String {
        guard heir != customer.id else { throw AppError.notFound("member") }
        return try await pool.withTenant(tenant.id) { tx in
            switch try await repositories.customers.handOver(organization: customer.organizationId, from: customer.id, to: heir, in: tx) {
            case .noSuchMember:
                throw AppError.notFound("member")
            case .notOwner:
                throw AppError(.forbidden, code: "owner_only", L10n.t("portal.rights.ownerOnlyHandOver"))
            case .handedOver(let name):
                try await audit(
                    customer, origin, action: "customer.ownership_transferred", details: ["new_owner": heir.uuidString.lowercased()], in: tx)
                return name
            }
        }
    }

    func audit(
        _ customer: SignedInCustomer, _ origin: RequestOrigin, action: String, details: [String: String] = [:], in tx: TenantTransaction
    ) async throws {
        try await repositories.audit.record(
            .init(
                actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: action, targetKind: "customer",
                targetId: customer.email, ip: origin.ip, userAgent: origin.userAgent, details: details), in: tx)
    }
}
