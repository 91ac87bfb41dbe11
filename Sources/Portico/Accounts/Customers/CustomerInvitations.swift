import Foundation
import PorticoCrypto
import Postgres

/// Staff inviting logins that exist without a password (imported, created by staff or by an
/// integration): one at a time from the account's page (a resend replaces the old link), or
/// in bulk from a filtered subscriber list or an import's result. Every invitation counts
/// against a per-tenant hourly allowance, so a slip of the mouse cannot send thousands of
/// emails at once and hurt the ISP's mail reputation.
public struct CustomerInvitations: Sendable {
    let pool: ConnectionPool
    let repositories: Repositories
    let accounts: CustomerAccounts

    // MARK: One login

    public enum Sent: Sendable, Equatable { case invited, resent }

    /// Emails a login of `organization` its invitation; an earlier one stops working. A login
    /// of another account or tenant is as unknown as a missing one.
    public func invite(
        customer customerID: UUID, organization: UUID, by staff: SignedInStaff, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws -> (Customer, Sent) {
        try await pool.withTenant(tenant.id) { tx in
            guard let customer = try await repositories.customers.find(id: customerID, in: tx), customer.organizationId == organization else {
                throw AppError.notFound("login")
            }
            let status = try await InvitationStatus.of([customer.id], in: tx)[customer.id] ?? .notInvited
            if case .accepted = status {
                throw AppError(
                    .conflict, code: "already_has_login",
                    "\(customer.email) already has a login. They can sign in, or use “Forgot your password?” on the sign-in page.")
            }
            guard customer.status == .pending else {
                throw AppError(
                    .conflict, code: "login_suspended",
                    "\(customer.email) cannot sign in while the login is \(customer.status.rawValue). Reactivate it first, then invite.")
            }
            try await InvitationQuota.take(1, tenant: tenant.id, in: tx)
            let previous =
                try await tx.scalar(
                    """
                    SELECT count(*)::int FROM account_tokens WHERE customer_id = \(customer.id) AND kind = 'invite_customer'
                    """, as: Int.self) ?? 0
            try await AccountTokens.revoke(kind: .inviteCustomer, customerID: customer.id, in: tx)
            try await accounts.enqueueInvitation(for: customer, createdByStaff: staff.id, tenant: tenant, in: tx)
            let sent: Sent = previous > 0 ? .resent : .invited
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email,
                    action: sent == .resent ? "customer.invitation_resent" : "customer.invited",
                    targetKind: "customer", targetId: customer.email, ip: origin.ip, userAgent: origin.userAgent,
                    details: previous > 0 ? ["effect": "earlier invitation links no longer work"] : [:]), in: tx)
            return (customer, sent)
        }
    }

    // MARK: Many logins

    /// Which logins a bulk invitation is for: those of the accounts a subscriber-list search
    /// shows (optionally only logins in one state), or those an import created. Only logins
    /// without a password, not suspended, and without a live invitation are ever invited.
    public struct Selection: Sendable, Equatable {
        public var search: String
        public var access: InvitationStatus.Key?
        public var importId: String?

        public init(search: String = "", access: InvitationStatus.Key? = nil, importId: String? = nil) {
            self.search = search
            self.access = access
            self.importId = importId
        }

        /// States a bulk invitation picks from: a live invitation is left alone (resend it on its own).
        var states: [String] {
            switch access {
            case .notInvited: [InvitationStatus.Key.notInvited.rawValue]
            case .expired: [InvitationStatus.Key.expired.rawValue]
            case nil: [InvitationStatus.Key.notInvited.rawValue, InvitationStatus.Key.expired.rawValue]
            case .invited, .accepted: []
            }
        }

        var condition: SQL {
            let accounts = PostgresOrganizationRepository.matching(search.isEmpty ? nil : search)
            return """
                c.password_hash IS NULL AND c.status = 'pending' AND (\(SQLFragments.state)) = ANY(\(states)::text[])
                AND c.organization_id IN (SELECT id FROM organizations WHERE \(accounts))
                AND (\(importId)::text IS NULL OR c.import_id = \(importId))
                """
        }

        private typealias SQLFragments = InvitationStatus.SQLFragments
    }

    public struct Candidate: Sendable, Decodable {
        public let id: UUID
        public let name: String
        public let email: String
        public let organizationId: UUID
        public let accountNumber: String
    }

    public struct Preview: Sendable {
        /// Every login the selection matches.
        public let matching: Int
        /// How many would be invited now: all of them, or as many as this hour still allows.
        public let willInvite: Int
        public let remainingThisHour: Int
        public let hourEndsAt: Date?
        /// The first of them, to show.
        public let sample: [Candidate]
    }

    public func preview(_ selection: Selection, tenant: ResolvedTenant, sampleSize: Int = 20) async throws -> Preview {
        try await pool.withTenant(tenant.id) { tx in
            let matching =
                try await tx.scalar(
                    """
                    SELECT count(*)::int FROM customers c \(InvitationStatus.SQLFragments.newestInvitation) WHERE \(selection.condition)
                    """, as: Int.self) ?? 0
            let (remaining, endsAt) = try await InvitationQuota.remaining(tenant: tenant.id, in: tx)
            return Preview(
                matching: matching, willInvite: min(matching, remaining), remainingThisHour: remaining, hourEndsAt: endsAt,
                sample: try await candidates(selection, limit: sampleSize, in: tx))
        }
    }

    func candidates(_ selection: Selection, limit: Int, in tx: TenantTransaction) async throws -> [Candidate] {
        try await tx.rows(
            """
            SELECT c.id, c.name, c.email, c.organization_id, o.account_number
              FROM customers c \(InvitationStatus.SQLFragments.newestInvitation)
              JOIN organizations o ON o.tenant_id = c.tenant_id AND o.id = c.organization_id
             WHERE \(selection.condition)
             ORDER BY o.account_number, c.email
             LIMIT \(limit)
            """
        ).map { try $0.decode(Candidate.self) }
    }

    /// Thrown when what the preview promised is no longer what would happen.
    public static func selectionChanged(_ now: Int) -> AppError {
        AppError(
            .conflict, code: "selection_changed",
            L10n.texts.plural("console.invitations.selectionChanged", count: now)
        )
    }

    /// Invites the selection's first `expected` logins (what the preview showed), in one
    /// transaction: all of them or, on any problem, none.
    public func inviteAll(
        _ selection: Selection, expected: Int, by staff: SignedInStaff, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws -> Int {
        try await pool.withTenant(tenant.id) { tx in
            // Two staff members inviting at once must not invite the same people twice.
            try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended('portico-invitations:' || \(tenant.id.description), 0))")
            let (remaining, endsAt) = try await InvitationQuota.remaining(tenant: tenant.id, in: tx)
            guard remaining > 0 else { throw InvitationQuota.exhausted(endsAt) }
            let chosen = try await candidates(selection, limit: min(remaining, InvitationQuota.perHour), in: tx)
            guard chosen.count == expected, expected > 0 else { throw Self.selectionChanged(chosen.count) }
            try await InvitationQuota.take(chosen.count, tenant: tenant.id, in: tx)
            for candidate in chosen {
                guard let customer = try await repositories.customers.find(id: candidate.id, in: tx) else { continue }
                try await AccountTokens.revoke(kind: .inviteCustomer, customerID: customer.id, in: tx)
                try await accounts.enqueueInvitation(for: customer, createdByStaff: staff.id, tenant: tenant, in: tx)
            }
            var details = ["count": "\(chosen.count)"]
            if !selection.search.isEmpty { details["search"] = selection.search }
            if let access = selection.access { details["access"] = access.rawValue }
            if let importId = selection.importId { details["import"] = importId }
            try await repositories.audit.record(
                .init(
                    actorKind: "staff", actorId: staff.id, actorLabel: staff.email, action: "customers.bulk_invited",
                    targetKind: "customer", targetId: "\(chosen.count) logins", ip: origin.ip,
                    userAgent: origin.userAgent, details: details), in: tx)
            return chosen.count
        }
    }
}

/// The per-tenant hourly allowance of invitation emails staff send (single, resent and bulk).
/// A fixed window in `rate_limits`, taken inside the inviting transaction: a failed bulk
/// invitation gives its share back by rolling back.
public enum InvitationQuota {
    public static let perHour = 1_000
    static let limit = RateLimit(name: "invitations-tenant", limit: perHour, window: .seconds(3600))

    public static func bucket(_ tenant: TenantID) -> String { RateLimiter.bucket(limit, tenant.description) }

    /// What is left of this hour's allowance, and when the hour ends (nil: nothing used yet).
    static func remaining(tenant: TenantID, in tx: TenantTransaction) async throws -> (Int, Date?) {
        guard
            let row = try await tx.first(
                """
                SELECT hits, window_started_at + interval '1 hour' AS ends_at FROM rate_limits
                 WHERE bucket = \(bucket(tenant)) AND window_started_at > now() - interval '1 hour'
                """)
        else { return (perHour, nil) }
        return (max(0, perHour - (try row.decode("hits", as: Int.self))), try row.decode("ends_at", as: Date.self))
    }

    /// Takes `count` invitations from the hour's allowance, all or none.
    static func take(_ count: Int, tenant: TenantID, in tx: TenantTransaction) async throws {
        guard count <= perHour else { throw exhausted(nil) }
        let taken = try await tx.first(
            """
            INSERT INTO rate_limits AS r (bucket, window_started_at, hits) VALUES (\(bucket(tenant)), now(), \(count))
            ON CONFLICT (bucket) DO UPDATE SET
                hits = CASE WHEN r.window_started_at <= now() - interval '1 hour' THEN EXCLUDED.hits ELSE r.hits + EXCLUDED.hits END,
                window_started_at = CASE WHEN r.window_started_at <= now() - interval '1 hour' THEN now() ELSE r.window_started_at END
             WHERE r.window_started_at <= now() - interval '1 hour' OR r.hits + EXCLUDED.hits <= \(perHour)
            RETURNING hits
            """)
        if taken == nil {
            let (_, endsAt) = try await remaining(tenant: tenant, in: tx)
            throw exhausted(endsAt)
        }
    }

    static func exhausted(_ endsAt: Date?) -> AppError {
        let wait = max(60, Int((endsAt ?? Date().addingTimeInterval(3600)).timeIntervalSinceNow.rounded(.up)))
        let minutes = (wait + 59) / 60
        return AppError(
            .tooManyRequests, code: "invitation_limit",
            L10n.texts.plural(
                "console.invitations.exhausted", count: minutes, ["quota": perHour.formatted(.number.locale(L10n.texts.locale))]),
            retryAfter: wait)
    }
}
