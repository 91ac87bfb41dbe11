import Foundation
import Logging
import PorticoCrypto
import Postgres

/// Self-registration and email verification.
extension CustomerAccounts {
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
        if let problem = passwordPolicy.problem(with: registration.password, email: email) { problems["password"] = problem }
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
        let decision = try await rateLimiter.hit(.registerIP, bucket: RateLimiter.bucket(.registerIP, origin.ip))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }

        let email = EmailAddress.normalize(registration.email)!
        let name = registration.name.trimmingCharacters(in: .whitespacesAndNewlines)
        // Hash before looking anything up: both paths spend the same time.
        let passwordHash = try await hasher.hash(registration.password)
        let accessCode = registration.accessCode.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: "-", with: "")
        let accountNumber = registration.accountNumber.trimmingCharacters(in: .whitespaces)
        if !accessCode.isEmpty {
            for (limit, key) in [(RateLimit.accessCodeIP, origin.ip), (RateLimit.accessCodeAccount, tenant.id.description + accountNumber)] {
                let decision = try await rateLimiter.hit(limit, bucket: RateLimiter.bucket(limit, key))
                if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
            }
        }
        let verifyToken = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            if let existing = try await repositories.customers.find(email: email, in: tx) {
                try await outbox.enqueue(
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
            try await outbox.enqueue(
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
                try await outbox.enqueue(
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
        let decision = try await rateLimiter.hit(.forgotAccount, bucket: RateLimiter.bucket(.forgotAccount, "verify", customer.id.uuidString))
        if !decision.allowed { throw RateLimiter.tooMany(retryAfter: decision.retryAfter) }
        let token = SecureRandom.token()
        try await pool.withTenant(tenant.id) { tx in
            try await AccountTokens.revoke(kind: .verifyEmail, customerID: customer.id, in: tx)
            try await AccountTokens.insert(
                token: token, kind: .verifyEmail, email: customer.email, customerID: customer.id,
                lifetime: AccountTokens.Kind.verifyEmail.lifetime, in: tx)
            try await outbox.enqueue(
                .verifyEmail, to: customer.email, name: customer.name, tenant: tenant,
                values: ["actionUrl": tenant.url("\(PortalRoutes.verify.path)?token=\(token)")], linkToken: token, in: tx)
        }
    }

}
