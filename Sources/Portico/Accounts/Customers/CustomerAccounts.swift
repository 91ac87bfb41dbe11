import Foundation
import Logging
import PorticoCrypto
import Postgres

/// Where a request comes from, for audit events and rate limits.
public struct RequestOrigin: Sendable {
    public let ip: String
    public let userAgent: String

    public init(ip: String, userAgent: String) {
        self.ip = ip
        self.userAgent = userAgent
    }
}

/// Subscriber accounts: registration, sign-in, verification, password reset, invitations,
/// access codes, profile and password changes. HTTP-free, so pages and the API share it.
public struct CustomerAccounts: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    var pool: ConnectionPool { dependencies.pool }
    var repositories: Repositories { dependencies.repositories }
    var limiter: RateLimiter { dependencies.rateLimiter }

    // MARK: Sign-in

    public enum SignInOutcome: Sendable {
        case signedIn(token: String, customerID: UUID, remember: Bool)
        /// Wrong identifier or password: one answer for both.
        case invalidCredentials
        case notAllowed(CustomerStatus)
    }

    /// How a subscriber signs in: the portal's cookie session or the API's bearer tokens.
    /// Both share the credential check, the rate limits and the audit events.
    public enum SignInChannel: String, Sendable {
        case portal, api

        var auditDetails: [String: String] { self == .api ? ["channel": "api"] : [:] }
    }

    /// The outcome of a sign-in whose credential (session token or API tokens) the caller chose.
    public enum CheckedSignIn<Credential: Sendable>: Sendable {
        case signedIn(Credential, customerID: UUID)
        /// Wrong identifier or password: one answer for both.
        case invalidCredentials
        case notAllowed(CustomerStatus)
    }

    /// Signs in to the portal: a fresh cookie session (replacing the one the browser brought).
    public func signIn(
        identifier: String, password: String, remember: Bool, tenant: ResolvedTenant, origin: RequestOrigin,
        replacing oldToken: String?
    ) async throws -> SignInOutcome {
        let sessions = dependencies.sessions
        let outcome = try await checkedSignIn(identifier: identifier, password: password, tenant: tenant, origin: origin, channel: .portal) {
            customerID, tx in
            if let oldToken { try await sessions.revoke(token: oldToken, in: tx) }
            return try await sessions.create(
                kind: .customer, principal: customerID, remember: remember,
                secondFactorPending: false, ip: origin.ip, userAgent: origin.userAgent, in: tx)
        }
        switch outcome {
        case .signedIn(let token, let customerID): return .signedIn(token: token, customerID: customerID, remember: remember)
        case .invalidCredentials: return .invalidCredentials
        case .notAllowed(let status): return .notAllowed(status)
        }
    }

    /// Signs in to the API: a new token family (access + refresh token).
    public func signInForAPI(
        identifier: String, password: String, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws -> CheckedSignIn<IssuedTokens> {
        let tokens = repositories.apiTokens
        return try await checkedSignIn(identifier: identifier, password: password, tenant: tenant, origin: origin, channel: .api) {
            customerID, tx in
            try await tokens.issue(customer: customerID, origin: origin, in: tx)
        }
    }

    /// Checks the password of whoever the identifier (email, account number or phone) names,
    /// under the per-account, per-IP and per-tenant limits shared by every channel. On success
    /// `issue` creates the credential in the same transaction as the audit event.
    /// Unknown identifiers cost the same Argon2id work as known ones.
    func checkedSignIn<Credential: Sendable>(
        identifier: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin, channel: SignInChannel,
        issue: @escaping @Sendable (UUID, TenantTransaction) async throws -> Credential
    ) async throws -> CheckedSignIn<Credential> {
        let normalized = identifier.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let limits = SignInLimits(limiter: limiter)
        let buckets = limits.buckets(scope: .tenant(tenant.id), kind: "", identifier: normalized, ip: origin.ip)
        try await limits.admit(buckets)
        guard !normalized.isEmpty, !password.isEmpty, password.count <= PasswordPolicy.maximumLength * 4 else {
            _ = try await dependencies.hasher.verifyDummy(password)
            try await recordFailure(buckets, limits: limits, tenant: tenant)
            PorticoMetrics.signInFailed(actor: "customer")
            return .invalidCredentials
        }
        let candidates = try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.credentials(forIdentifier: normalized, in: tx)
        }
        var matched: CustomerCredentials?
        var rehash = false
        for candidate in candidates.prefix(5) {
            guard let hash = candidate.passwordHash else { continue }
            let result = try await dependencies.hasher.verify(password, against: hash)
            if result.matches {
                matched = candidate
                rehash = result.needsRehash
                break
            }
        }
        if candidates.allSatisfy({ $0.passwordHash == nil }) {
            _ = try await dependencies.hasher.verifyDummy(password)
        }
        guard let customer = matched else {
            try await recordFailure(buckets, limits: limits, tenant: tenant)
            try await audit(
                .init(
                    actorKind: "anonymous", actorLabel: String(normalized.prefix(254)), action: "signin.failure",
                    targetKind: "customer", ip: origin.ip, userAgent: origin.userAgent, details: channel.auditDetails), tenant: tenant)
            PorticoMetrics.signInFailed(actor: "customer")
            return .invalidCredentials
        }
        guard customer.status == .active || customer.status == .pending else {
            try await audit(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: "signin.refused",
                    targetKind: "customer", targetId: customer.id.uuidString, ip: origin.ip, userAgent: origin.userAgent,
                    details: channel.auditDetails.merging(["status": customer.status.rawValue]) { $1 }), tenant: tenant)
            return .notAllowed(customer.status)
        }
        let newHash = rehash ? try await dependencies.hasher.hash(password) : nil
        let credential = try await pool.withTenant(tenant.id) { tx in
            if let newHash { try await repositories.customers.setPasswordHash(newHash, for: customer.id, in: tx) }
            try await repositories.customers.recordSignIn(customer.id, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "signin.success", targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin.ip, userAgent: origin.userAgent, details: channel.auditDetails), in: tx)
            return try await issue(customer.id, tx)
        }
        try await limits.recordSuccess(buckets)
        return .signedIn(credential, customerID: customer.id)
    }

    func recordFailure(_ buckets: SignInLimits.Buckets, limits: SignInLimits, tenant: ResolvedTenant) async throws {
        let accounts = try await pool.withTenant(tenant.id) { tx in try await SignInLimits.accountCount(in: tx) }
        try await limits.recordFailure(buckets, accounts: accounts)
    }

    /// Ends an API sign-in: every token of the family the access token belongs to.
    public func signOutOfAPI(family: UUID, customer: SignedInCustomer, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.apiTokens.revokeFamily(family, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "signout", ip: origin.ip, userAgent: origin.userAgent,
                    details: SignInChannel.api.auditDetails), in: tx)
        }
    }

    public enum RefreshResult: Sendable {
        case rotated(IssuedTokens)
        case invalid
        case reused
    }

    /// Exchanges a refresh token for a new pair. Reuse of a spent one revokes its whole family
    /// and is audited (`api.refresh_reused`): the token leaked or was replayed.
    public func refreshAPITokens(_ refreshToken: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> RefreshResult {
        try await pool.withTenant(tenant.id) { tx in
            switch try await repositories.apiTokens.refresh(refreshToken, origin: origin, in: tx) {
            case .rotated(let tokens, _):
                return .rotated(tokens)
            case .invalid:
                return .invalid
            case .reused(let customerID):
                let email = try await repositories.customers.find(id: customerID, in: tx)?.email ?? ""
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customerID, actorLabel: email,
                        action: "api.refresh_reused", targetKind: "customer", targetId: customerID.uuidString,
                        ip: origin.ip, userAgent: origin.userAgent,
                        details: ["effect": "every token of this sign-in revoked"]), in: tx)
                return .reused
            }
        }
    }

    public func signOut(token: String, customer: SignedInCustomer?, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        try await pool.withTenant(tenant.id) { tx in
            try await dependencies.sessions.revoke(token: token, in: tx)
            if let customer {
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                        action: "signout", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            }
        }
    }

    // MARK: Registration

    public struct Registration: Sendable {
        public var name: String
        public var email: String
        public var phone: String
        public var password: String
        public var accountNumber: String
        public var accessCode: String

        public init(name: String, email: String, phone: String, password: String, accountNumber: String = "", accessCode: String = "") {
            self.name = name
            self.email = email
            self.phone = phone
            self.password = password
            self.accountNumber = accountNumber
            self.accessCode = accessCode
        }
    }

    /// Field problems of a registration form (before anything is looked up).
    public func problems(in registration: Registration) -> [String: String] {
        var problems: [String: String] = [:]
        let name = registration.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty {
            problems["name"] = L10n.t("validation.enterYourName")
        } else if name.count > 200 {
            problems["name"] = L10n.atMostCharacters(200)
        }
        let email = EmailAddress.normalize(registration.email)
        if email == nil { problems["email"] = L10n.t("validation.emailLike") }
        if registration.phone.count > 40 { problems["phone"] = L10n.atMostCharacters(40) }
        if let problem = dependencies.passwordPolicy.problem(with: registration.password, email: email) { problems["password"] = problem }
        let hasCode = !registration.accessCode.trimmingCharacters(in: .whitespaces).isEmpty
        let hasAccount = !registration.accountNumber.trimmingCharacters(in: .whitespaces).isEmpty
        if hasCode && !hasAccount { problems["account_number"] = L10n.t("validation.accountNumberNeeded") }
        if hasAccount && !hasCode { problems["access_code"] = L10n.t("validation.accessCodeNeeded") }
        return problems
    }

    /// Registers a subscriber. The outcome is the same whether or not the email already has an
    /// account (that account's owner gets an email instead), so registration reveals nothing.
    public func register(
        _ registration: Registration, tenant: ResolvedTenant, origin: RequestOrigin,
        channel: SignInChannel = .portal
    ) async throws {
        let problems = problems(in: registration)
        guard problems.isEmpty else { throw AppError.validation(problems) }
        let decision = try await limiter.hit(.registerIP, bucket: RateLimiter.bucket(.registerIP, origin.ip))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }

        let email = EmailAddress.normalize(registration.email)!
        let name = registration.name.trimmingCharacters(in: .whitespacesAndNewlines)
        // Hash before looking anything up: both paths spend the same time.
        let passwordHash = try await dependencies.hasher.hash(registration.password)
        let accessCode = registration.accessCode.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "-", with: "")
        let accountNumber = registration.accountNumber.trimmingCharacters(in: .whitespaces)
        if !accessCode.isEmpty {
            for (limit, key) in [(RateLimit.accessCodeIP, origin.ip), (RateLimit.accessCodeAccount, tenant.id.description + accountNumber)] {
                let decision = try await limiter.hit(limit, bucket: RateLimiter.bucket(limit, key))
                if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
            }
        }
        let verifyToken = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let existing = try await repositories.customers.find(email: email, in: tx) {
                try await dependencies.outbox.enqueue(
                    .accountExists, to: existing.email, name: existing.name, tenant: tenant,
                    values: ["actionUrl": tenant.url(PortalRoutes.login.path)], in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "anonymous", actorLabel: email, action: "register.existing_email",
                        ip: origin.ip, userAgent: origin.userAgent, details: channel.auditDetails), in: tx)
                return
            }
            let organization: Organization
            var role = CustomerRole.owner
            if !accessCode.isEmpty {
                guard let linked = try await AccountTokens.consume(accessCode, kind: .accessCode, in: tx),
                    let organizationID = linked.organizationId,
                    let found = try await repositories.organizations.find(id: organizationID, in: tx),
                    found.accountNumber == accountNumber
                else {
                    throw AppError.validation(["access_code": L10n.t("validation.accessCodeMismatch")])
                }
                organization = found
                role = try await repositories.customers.members(of: organization.id, in: tx).isEmpty ? .owner : .member
            } else {
                organization = try await repositories.organizations.create(NewOrganization(name: "\(name) household", kind: .household), in: tx)
            }
            let customer = try await repositories.customers.create(
                NewCustomer(
                    organizationId: organization.id, role: role, name: name, email: email, phone: registration.phone,
                    passwordHash: passwordHash, status: .active, emailVerified: false
                ), in: tx)
            try await AccountTokens.insert(
                token: verifyToken, kind: .verifyEmail, email: email, customerID: customer.id,
                lifetime: AccountTokens.Kind.verifyEmail.lifetime, in: tx)
            try await dependencies.outbox.enqueue(
                .verifyEmail, to: email, name: name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.verify.path)?token=\(verifyToken)")], linkToken: verifyToken, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: email, action: "register",
                    targetKind: "organization", targetId: organization.accountNumber,
                    ip: origin.ip, userAgent: origin.userAgent,
                    details: (accessCode.isEmpty ? [:] : ["linked_by": "access_code"]).merging(channel.auditDetails) { $1 }), in: tx)
            try await WebhookEvents(repositories: repositories).customerRegistered(customer.id, tenant: tenant, in: tx)
        }
    }

    // MARK: Email verification

    /// Consumes a verification (or email-change) token. Returns the verified address, or nil
    /// for any invalid, used, expired, other-tenant or other-kind token.
    public func verifyEmail(token: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws -> String? {
        try await pool.withTenant(tenant.id) { tx in
            if let consumed = try await AccountTokens.consume(token, kind: .verifyEmail, in: tx), let customerID = consumed.customerId {
                guard try await repositories.customers.markEmailVerified(customerID, email: consumed.email, in: tx) else { return nil }
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                        action: "email.verified", ip: origin.ip, userAgent: origin.userAgent), in: tx)
                return consumed.email
            }
            if let consumed = try await AccountTokens.consume(token, kind: .changeEmail, in: tx), let customerID = consumed.customerId,
                let customer = try await repositories.customers.find(id: customerID, in: tx),
                // Someone registered the address after the link was sent: the link is void.
                try await repositories.customers.find(email: consumed.email, in: tx) == nil
            {
                let previous = customer.email
                try await repositories.customers.changeEmail(customerID, to: consumed.email, in: tx)
                try await dependencies.outbox.enqueue(
                    .emailChangedNotice, to: previous, name: customer.name, tenant: tenant,
                    values: ["newEmail": consumed.email], in: tx)
                try await repositories.audit.record(
                    .init(
                        actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                        action: "email.changed", ip: origin.ip, userAgent: origin.userAgent,
                        details: ["previous": previous]), in: tx)
                return consumed.email
            }
            return nil
        }
    }

    /// Sends a fresh verification link to a signed-in, unverified customer.
    public func resendVerification(customer: SignedInCustomer, tenant: ResolvedTenant) async throws {
        let decision = try await limiter.hit(.forgotAccount, bucket: RateLimiter.bucket(.forgotAccount, "verify", customer.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            try await AccountTokens.revoke(kind: .verifyEmail, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .verifyEmail, email: customer.email, customerID: customer.id,
                lifetime: AccountTokens.Kind.verifyEmail.lifetime, in: tx)
            try await dependencies.outbox.enqueue(
                .verifyEmail, to: customer.email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.verify.path)?token=\(token)")], linkToken: token, in: tx)
        }
    }

    // MARK: Password reset

    /// Sends a reset link if the email belongs to an active account; otherwise does nothing.
    /// The caller shows the same page either way.
    public func requestPasswordReset(email rawEmail: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let ipDecision = try await limiter.hit(.forgotIP, bucket: RateLimiter.bucket(.forgotIP, origin.ip))
        if !ipDecision.allowed { throw RateLimiter.tooMany(retryAfter: ipDecision.retryAfter) }
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["email": L10n.t("validation.accountEmailLike")])
        }
        let accountDecision = try await limiter.hit(.forgotAccount, bucket: RateLimiter.bucket(.forgotAccount, tenant.id.description, email))
        // Over the per-account limit: silently send nothing (answering differently would tell).
        guard accountDecision.allowed else { return }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            guard let customer = try await repositories.customers.find(email: email, in: tx),
                customer.status == .active || customer.status == .pending
            else { return }
            try await AccountTokens.revoke(kind: .resetPassword, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .resetPassword, email: email, customerID: customer.id,
                lifetime: AccountTokens.Kind.resetPassword.lifetime, in: tx)
            try await dependencies.outbox.enqueue(
                .resetPassword, to: email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.resetPassword.path)?token=\(token)")], linkToken: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "anonymous", actorLabel: email, action: "password.reset_requested",
                    targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    /// Whether a reset link is still good (to show the form).
    public func resetTokenIsValid(_ token: String, tenant: ResolvedTenant) async throws -> Bool {
        try await pool.withTenant(tenant.id) { tx in try await AccountTokens.peek(token, kind: .resetPassword, holder: .customer, in: tx) != nil }
    }

    /// Sets a new password through a reset link; ends every session of the account. The person
    /// signs in afterwards (no automatic sign-in).
    public func resetPassword(token: String, newPassword: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        let email = try await pool.withTenant(tenant.id) { tx in
            try await AccountTokens.peek(token, kind: .resetPassword, holder: .customer, in: tx)?.email
        }
        guard let email else { throw Self.invalidLink }
        if let problem = dependencies.passwordPolicy.problem(with: newPassword, email: email) {
            throw AppError.validation(["password": problem])
        }
        let hash = try await dependencies.hasher.hash(newPassword)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .resetPassword, holder: .customer, in: tx),
                let customerID = consumed.customerId
            else {
                throw Self.invalidLink
            }
            try await repositories.customers.setPasswordHash(hash, for: customerID, in: tx)
            _ = try await dependencies.sessions.revokeAll(kind: .customer, principal: customerID, except: nil, in: tx)
            try await repositories.apiTokens.revokeAll(customer: customerID, in: tx)
            // Following the emailed link proves the address.
            _ = try await repositories.customers.markEmailVerified(customerID, email: consumed.email, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                    action: "password.reset", ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    static let invalidLink = AppError(
        .notFound, code: "invalid_link",
        L10n.t("validation.linkNotValid"))

    // MARK: Invitations

    /// The email an invitation is for, if the invitation is still good.
    /// A suspended or locked login's invitation cannot be used: accepting it would activate the
    /// login behind staff's back.
    public func invitation(_ token: String, tenant: ResolvedTenant) async throws -> AccountTokens.Consumed? {
        try await pool.withTenant(tenant.id) { tx in
            guard let invitation = try await AccountTokens.peek(token, kind: .inviteCustomer, in: tx) else { return nil }
            try await requireInvitable(invitation.customerId, in: tx)
            return invitation
        }
    }

    static let suspendedLogin = AppError(
        .forbidden, code: "login_suspended",
        L10n.t("validation.inviteSuspended"))

    func requireInvitable(_ customerID: UUID?, in tx: TenantTransaction) async throws {
        guard let customerID, let customer = try await repositories.customers.find(id: customerID, in: tx) else { return }
        if customer.status == .suspended || customer.status == .locked { throw Self.suspendedLogin }
    }

    /// Accepts an invitation: sets the password, activates the login, and marks the email
    /// verified (the link went to it). The person signs in afterwards.
    public func acceptInvitation(token: String, name: String, password: String, tenant: ResolvedTenant, origin: RequestOrigin) async throws {
        guard let invitation = try await invitation(token, tenant: tenant) else { throw Self.invalidLink }
        var problems: [String: String] = [:]
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmedName.isEmpty || trimmedName.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if let problem = dependencies.passwordPolicy.problem(with: password, email: invitation.email) { problems["password"] = problem }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        let hash = try await dependencies.hasher.hash(password)
        try await pool.withTenant(tenant.id) { tx in
            guard let consumed = try await AccountTokens.consume(token, kind: .inviteCustomer, in: tx), let customerID = consumed.customerId else {
                throw Self.invalidLink
            }
            // Suspended since the form was shown: the transaction rolls back, the link stays unused.
            try await requireInvitable(customerID, in: tx)
            try await repositories.customers.setPasswordHash(hash, for: customerID, in: tx)
            try await repositories.customers.updateProfile(
                customerID, name: trimmedName,
                phone: try await repositories.customers.find(id: customerID, in: tx)?.phone ?? "", in: tx)
            try await repositories.customers.setStatus(.active, for: customerID, in: tx)
            _ = try await repositories.customers.markEmailVerified(customerID, email: consumed.email, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customerID, actorLabel: consumed.email,
                    action: "invitation.accepted", ip: origin.ip, userAgent: origin.userAgent), in: tx)
            try await WebhookEvents(repositories: repositories).customerRegistered(customerID, tenant: tenant, in: tx)
        }
    }

    /// Creates a login for someone in an organization and emails them an invitation (staff, from
    /// the console; they see every account anyway, so a taken address is named plainly).
    public func inviteMember(
        name: String, email rawEmail: String, organization: UUID, invitedBy: String, tenant: ResolvedTenant,
        origin: RequestOrigin, createdByStaff: UUID? = nil
    ) async throws -> Customer {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["member_name"] = L10n.t("validation.theirNameAtMost") }
        let email = EmailAddress.normalize(rawEmail)
        if email == nil { problems["member_email"] = L10n.t("validation.emailLike") }
        guard problems.isEmpty, let email else { throw AppError.validation(problems) }
        let token = SecureRandom.token()
        return try await pool.withTenant(tenant.id) { tx in
            if try await repositories.customers.find(email: email, in: tx) != nil {
                throw AppError.validation(["member_email": L10n.t("validation.emailTaken")])
            }
            // The first person on an account (staff inviting into a new account) owns it.
            let role: CustomerRole =
                try await repositories.customers.members(of: organization, in: tx).contains { $0.role == .owner } ? .member : .owner
            let member = try await repositories.customers.create(
                NewCustomer(
                    organizationId: organization, role: role, name: trimmed, email: email, status: .pending), in: tx)
            // Staff invitations share the tenant's hourly allowance (see `InvitationQuota`).
            if createdByStaff != nil { try await InvitationQuota.take(1, tenant: tenant.id, in: tx) }
            try await enqueueInvitation(for: member, token: token, createdByStaff: createdByStaff, tenant: tenant, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: createdByStaff == nil ? "customer" : "staff", actorId: createdByStaff,
                    actorLabel: invitedBy, action: "customer.invited", targetKind: "customer", targetId: email,
                    ip: origin.ip, userAgent: origin.userAgent), in: tx)
            return member
        }
    }

    /// Emails a login without a password its invitation link (single use, hashed at rest),
    /// in the caller's transaction.
    public func enqueueInvitation(
        for member: Customer, token: String = SecureRandom.token(), createdByStaff: UUID?, tenant: ResolvedTenant,
        in tx: TenantTransaction
    ) async throws {
        try await AccountTokens.insert(
            token: token, kind: .inviteCustomer, email: member.email, customerID: member.id, organizationID: member.organizationId,
            createdBy: createdByStaff, lifetime: AccountTokens.Kind.inviteCustomer.lifetime, in: tx)
        try await dependencies.outbox.enqueue(
            .inviteCustomer, to: member.email, name: member.name, tenant: tenant,
            values: ["actionUrl": tenant.url(PortalRoutes.invite(token))], linkToken: token, in: tx)
    }

    // MARK: Profile

    public func updateProfile(
        customer: SignedInCustomer, name: String, phone: String, tenant: ResolvedTenant,
        origin: RequestOrigin? = nil
    ) async throws {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["name"] = L10n.t("validation.yourNameAtMost") }
        if phone.count > 40 { problems["phone"] = L10n.atMostCharacters(40) }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.updateProfile(customer.id, name: trimmed, phone: phone.trimmingCharacters(in: .whitespaces), in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "profile.updated", targetKind: "customer", targetId: customer.id.uuidString,
                    ip: origin?.ip ?? "", userAgent: origin?.userAgent ?? ""), in: tx)
        }
    }

    /// Changes the password (the current one is required) and ends every other session and
    /// app sign-in; returns how many ended.
    @discardableResult
    public func changePassword(
        customer: SignedInCustomer, current: String, new: String, keeping token: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws -> Int {
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.credentials(id: customer.id, in: tx) }
        guard let hash = credentials?.passwordHash, try await dependencies.hasher.verify(current, against: hash).matches else {
            throw AppError.validation(["current_password": L10n.t("validation.notCurrentPassword")])
        }
        if let problem = dependencies.passwordPolicy.problem(with: new, email: customer.email) {
            throw AppError.validation(["new_password": problem])
        }
        let newHash = try await dependencies.hasher.hash(new)
        return try await pool.withTenant(tenant.id) { tx in
            try await repositories.customers.setPasswordHash(newHash, for: customer.id, in: tx)
            let sessions = try await dependencies.sessions.revokeAll(kind: .customer, principal: customer.id, except: token, in: tx)
            // API sign-ins end too (the page keeps only the session that made the change).
            let apps = try await repositories.apiTokens.families(customer: customer.id, in: tx).count
            try await repositories.apiTokens.revokeAll(customer: customer.id, in: tx)
            try await dependencies.outbox.enqueue(
                .passwordChanged, to: customer.email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url(PortalRoutes.forgotPassword.path)], in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "password.changed", ip: origin.ip, userAgent: origin.userAgent,
                    details: ["signed_out_elsewhere": "\(sessions + apps)"]), in: tx)
            return sessions + apps
        }
    }

    /// Starts an email change: the new address gets a confirmation link; the account keeps the
    /// old address until it is followed. The answer is the same when the address already has
    /// an account (whose owner is told instead), so the form reveals nothing about who is
    /// registered; at most 10 requests per account per hour (this also bounds guessing the
    /// password it asks for).
    public func requestEmailChange(
        customer: SignedInCustomer, newEmail rawEmail: String, password: String,
        tenant: ResolvedTenant, origin: RequestOrigin
    ) async throws {
        guard let newEmail = EmailAddress.normalize(rawEmail) else {
            throw AppError.validation(["new_email": L10n.t("validation.emailLike")])
        }
        guard newEmail != customer.email else { throw AppError.validation(["new_email": L10n.t("validation.alreadyYourEmail")]) }
        let decision = try await limiter.hit(.emailChange, bucket: RateLimiter.bucket(.emailChange, tenant.id.description, customer.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let credentials = try await pool.withTenant(tenant.id) { tx in try await repositories.customers.credentials(id: customer.id, in: tx) }
        guard let hash = credentials?.passwordHash, try await dependencies.hasher.verify(password, against: hash).matches else {
            throw AppError.validation(["email_password": L10n.t("validation.notCurrentPassword")])
        }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let owner = try await repositories.customers.find(email: newEmail, in: tx) {
                try await tellOwner(
                    owner, attempt: .emailChange, by: customer, action: "email.change_to_taken_address", tenant: tenant, origin: origin, in: tx)
                return
            }
            try await AccountTokens.revoke(kind: .changeEmail, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .changeEmail, email: newEmail, customerID: customer.id,
                lifetime: AccountTokens.Kind.changeEmail.lifetime, in: tx)
            try await dependencies.outbox.enqueue(
                .changeEmail, to: newEmail, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.verify.path)?token=\(token)")], linkToken: token, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: customer.id, actorLabel: customer.email,
                    action: "email.change_requested", ip: origin.ip, userAgent: origin.userAgent,
                    details: ["new_email": newEmail]), in: tx)
        }
    }

    /// What someone tried to do with an address that already has an account (the
    /// `address_in_use` email words each one).
    enum AddressAttempt: String { case emailChange, invitation }

    /// The neutral answer's other half: the owner of an address someone tried to use hears
    /// about it (security mail), and the attempt is audited with who made it.
    func tellOwner(
        _ owner: Customer, attempt: AddressAttempt, by customer: SignedInCustomer, action: String, tenant: ResolvedTenant,
        origin: RequestOrigin, in tx: TenantTransaction
    ) async throws {
        try await dependencies.outbox.enqueue(
            .addressInUse, to: owner.email, name: owner.name, tenant: tenant,
            values: [attempt.rawValue: true, "actionUrl": tenant.url(PortalRoutes.login.path), "actionLabel": "Sign in"], in: tx)
        try await repositories.audit.record(
            .init(
                actorKind: "customer", actorId: customer.id, actorLabel: customer.email, action: action,
                targetKind: "customer", targetId: owner.id.uuidString, ip: origin.ip, userAgent: origin.userAgent,
                details: ["email": owner.email]), in: tx)
    }

    // MARK: Household members

    /// The organization's owner invites someone to share the account. The answer is the same
    /// whether or not the address already has an account here: if it does, that person gets
    /// an email saying someone tried (an unaccepted invitation to the same household is sent
    /// again instead), and the profile lists only people who accepted, so nothing shows the
    /// difference. At most 10 invitations per account per hour.
    public func inviteHouseholdMember(
        name: String, email rawEmail: String, by owner: SignedInCustomer, tenant: ResolvedTenant,
        origin: RequestOrigin
    ) async throws {
        var problems: [String: String] = [:]
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 200 { problems["member_name"] = L10n.t("validation.theirNameAtMost") }
        let email = EmailAddress.normalize(rawEmail)
        if email == nil { problems["member_email"] = L10n.t("validation.emailLike") }
        guard problems.isEmpty, let email else { throw AppError.validation(problems) }
        guard email != owner.email else { throw AppError.validation(["member_email": L10n.t("validation.ownAddress")]) }
        let decision = try await limiter.hit(
            .householdInvitations, bucket: RateLimiter.bucket(.householdInvitations, tenant.id.description, owner.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let existing = try await repositories.customers.find(email: email, in: tx) {
                if existing.organizationId == owner.organizationId && existing.status == .pending {
                    // Invited before and not joined yet: the new link replaces the old one.
                    try await AccountTokens.revoke(kind: .inviteCustomer, customerID: existing.id, in: tx)
                    try await enqueueInvitation(for: existing, token: token, createdByStaff: nil, tenant: tenant, in: tx)
                    try await repositories.audit.record(
                        .init(
                            actorKind: "customer", actorId: owner.id, actorLabel: owner.email, action: "customer.invited",
                            targetKind: "customer", targetId: email, ip: origin.ip, userAgent: origin.userAgent,
                            details: ["again": "yes"]), in: tx)
                } else if existing.organizationId == owner.organizationId {
                    // Already listed on the owner's own profile: no secret to keep.
                    throw AppError.validation(["member_email": "\(existing.name.isEmpty ? email : existing.name) is already on this account."])
                } else {
                    try await tellOwner(
                        existing, attempt: .invitation, by: owner, action: "customer.invite_to_taken_address", tenant: tenant,
                        origin: origin, in: tx)
                }
                return
            }
            let member = try await repositories.customers.create(
                NewCustomer(
                    organizationId: owner.organizationId, role: .member, name: trimmed, email: email, status: .pending), in: tx)
            try await enqueueInvitation(for: member, token: token, createdByStaff: nil, tenant: tenant, in: tx)
            try await repositories.audit.record(
                .init(
                    actorKind: "customer", actorId: owner.id, actorLabel: owner.email, action: "customer.invited",
                    targetKind: "customer", targetId: email, ip: origin.ip, userAgent: origin.userAgent), in: tx)
        }
    }

    func audit(_ event: NewAuditEvent, tenant: ResolvedTenant) async throws {
        try await pool.withTenant(tenant.id) { tx in try await repositories.audit.record(event, in: tx) }
    }
}
