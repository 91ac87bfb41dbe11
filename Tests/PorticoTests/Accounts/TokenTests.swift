import Foundation
import Portico
import PorticoTestSupport
import Postgres
import Testing

@Suite("Verify, reset and invitation tokens")
struct TokenTests {
    /// Issues a token of `kind` for a customer directly, returning the raw token.
    func issue(_ kind: AccountTokens.Kind, tenant: TestTenant, customer: Customer, lifetime: Duration? = nil) async throws -> String {
        let token = UUID().uuidString + UUID().uuidString
        try await tenant.transaction { tx in
            try await AccountTokens.insert(
                token: token, kind: kind, email: customer.email, customerID: customer.id,
                organizationID: customer.organizationId, lifetime: lifetime ?? kind.lifetime, in: tx)
        }
        return token
    }

    @Test("a reset link works once, not after expiry, not on another tenant, not as another kind, not when tampered")
    func resetTokenRules() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let valid = try await issue(.resetPassword, tenant: tenant, customer: customer)

            // Wrong tenant: the same token on another tenant's host is unknown.
            #expect(try await Browser(app: app, host: other.host).get("/portal/reset-password?token=\(valid)").status == .notFound)
            // Wrong kind: a reset token is no verification token and no invitation.
            #expect(try await browser.get("/portal/verify?token=\(valid)").status == .notFound)
            #expect(try await browser.get("/portal/invite/\(valid)").status == .notFound)
            // Tampered.
            #expect(try await browser.get("/portal/reset-password?token=\(valid)x").status == .notFound)
            #expect(try await browser.get("/portal/reset-password?token=").status == .notFound)

            // The real one shows the form, then works once.
            let form = try await browser.get("/portal/reset-password?token=\(valid)")
            #expect(form.status == .ok)
            #expect(form.header("Referrer-Policy") == "same-origin")
            let formToken = try #require(browser.csrfToken)
            let done = try await browser.post("/portal/reset-password", ["token": valid, "password": "brand new passphrase here"])
            #expect(done.status == .ok)
            #expect(done.body.contains("Your password is changed"))
            #expect(browser.cookie("portico_session") == nil)  // no automatic sign-in
            // Submitting the same form again (its CSRF token is still good) finds the link used.
            let reused = try await browser.post(
                "/portal/reset-password", ["token": valid, "password": "another new passphrase", "csrf_token": formToken])
            #expect(reused.status == .notFound)
            #expect(
                try await Browser(app: app, host: tenant.host).signInCustomer(customer.email, password: "brand new passphrase here").status
                    == .seeOther)

            // Expired.
            let expired = try await issue(.resetPassword, tenant: tenant, customer: customer)
            try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = \(AccountTokens.hash(expired))")
            }
            #expect(try await browser.get("/portal/reset-password?token=\(expired)").status == .notFound)
        }
    }

    @Test("verification and invitation tokens: expired, reused, wrong tenant and wrong kind are refused alike")
    func verifyAndInviteRules() async throws {
        let tenant = try await TestTenant.create()
        let other = try await TestTenant.create()
        let (_, customer) = try await tenant.subscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let browser = Browser(app: app, host: tenant.host)
            let verify = try await issue(.verifyEmail, tenant: tenant, customer: customer)
            #expect(try await Browser(app: app, host: other.host).get("/portal/verify?token=\(verify)").status == .notFound)
            #expect(try await browser.get("/portal/reset-password?token=\(verify)").status == .notFound)
            #expect(try await browser.get("/portal/verify?token=\(verify)").status == .ok)
            #expect(try await browser.get("/portal/verify?token=\(verify)").status == .notFound)

            let expired = try await issue(.verifyEmail, tenant: tenant, customer: customer, lifetime: .seconds(1))
            try await tenant.transaction { tx in
                try await tx.execute(
                    "UPDATE account_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = \(AccountTokens.hash(expired))")
            }
            #expect(try await browser.get("/portal/verify?token=\(expired)").status == .notFound)

            let invite = try await issue(.inviteCustomer, tenant: tenant, customer: customer)
            #expect(try await Browser(app: app, host: other.host).get("/portal/invite/\(invite)").status == .notFound)
            #expect(try await browser.get("/portal/invite/\(invite)").status == .ok)
            let inviteFormToken = try #require(browser.csrfToken)
            let accepted = try await browser.post("/portal/invite/\(invite)", ["name": "Ivy Invited", "password": "invited person passphrase"])
            #expect(accepted.body.contains("Your account is ready"))
            #expect(
                try await browser.post(
                    "/portal/invite/\(invite)",
                    [
                        "name": "Again", "password": "invited person passphrase",
                        "csrf_token": inviteFormToken,
                    ]
                ).status == .notFound)
            #expect(
                try await Browser(app: app, host: tenant.host).signInCustomer(customer.email, password: "invited person passphrase").status
                    == .seeOther)
        }
    }

    @Test("a password reset ends every session of the account")
    func resetRevokesSessions() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let laptop = Browser(app: app, host: tenant.host)
            let phone = Browser(app: app, host: tenant.host)
            try await laptop.signInCustomer(customer.email)
            try await phone.signInCustomer(customer.email)
            #expect(try await laptop.get("/portal").status == .ok)

            let stranger = Browser(app: app, host: tenant.host)
            try await stranger.get("/portal/forgot-password")
            let asked = try await stranger.post("/portal/forgot-password", ["email": customer.email])
            #expect(asked.status == .ok)
            let mail = try #require(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "reset_password"))
            let path = try #require(mail.linkPath)
            #expect(mail.link?.hasPrefix("http://\(tenant.host):8080/") == true)
            try await stranger.get(path)
            let token = try #require(path.components(separatedBy: "token=").last)
            #expect(try await stranger.post("/portal/reset-password", ["token": token, "password": "fresh secret passphrase"]).status == .ok)

            #expect(try await laptop.get("/portal").status == .seeOther)
            #expect(try await phone.get("/portal").status == .seeOther)
        }
    }

    @Test("a password change keeps this session, ends the others, and needs the current password")
    func passwordChange() async throws {
        let tenant = try await TestTenant.create()
        let (_, customer) = try await tenant.signInableSubscriber()
        try await TestApp.with { (app: TestApp) async throws in
            let here = Browser(app: app, host: tenant.host)
            let elsewhere = Browser(app: app, host: tenant.host)
            try await here.signInCustomer(customer.email)
            try await elsewhere.signInCustomer(customer.email)
            let accounts = app.dependencies.customerAccounts
            let token = try #require(here.cookie("portico_session"))
            let session = try await app.dependencies.pool.withTenant(tenant.id) { tx in
                try await app.dependencies.sessions.find(token: token, in: tx)
            }
            let auth = AuthState(token: token, session: try #require(session))
            let resolved = try await app.dependencies.directory.resolve(host: tenant.host)
            guard case .tenant(let resolvedTenant) = resolved else { Issue.record("tenant did not resolve"); return }
            let wrong = await #expect(throws: AppError.self) {
                try await accounts.changePassword(
                    customer: auth.customer!, current: "wrong password!", new: "next passphrase ok",
                    keeping: auth.token, tenant: resolvedTenant, origin: RequestOrigin(ip: "1.2.3.4", userAgent: ""))
            }
            #expect(wrong?.fields["current_password"] != nil)
            try await accounts.changePassword(
                customer: auth.customer!, current: TestPasswords.password, new: "next passphrase ok",
                keeping: auth.token, tenant: resolvedTenant, origin: RequestOrigin(ip: "1.2.3.4", userAgent: ""))
            #expect(try await here.get("/portal").status == .ok)
            #expect(try await elsewhere.get("/portal").status == .seeOther)
            #expect(try await TestMailbox.latest(to: customer.email, tenant: tenant.id, kind: "password_changed") != nil)
        }
    }
}
