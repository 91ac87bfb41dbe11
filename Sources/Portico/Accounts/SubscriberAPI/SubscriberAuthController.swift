import Foundation
import Hummingbird

/// `POST /api/v1/auth/{login,register,refresh,logout}`: the subscriber API's way in. The same
/// `CustomerAccounts` as the portal's forms (credential check, rate limits, validation,
/// audit), issuing bearer tokens instead of a cookie session.
struct SubscriberAuthController {
    let accounts: CustomerAccounts

    /// Login, registration and refresh need no token.
    func addPublicRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(SubscriberAPIRoutes.authLogin, use: login)
        group.post(SubscriberAPIRoutes.authRegister, use: register)
        group.post(SubscriberAPIRoutes.authRefresh, use: refresh)
    }

    func addRoutes(to group: RouterGroup<SubscriberAPIContext>) {
        group.post(SubscriberAPIRoutes.authLogout, use: logout)
    }

    static func origin(_ request: Request, ip: String) -> RequestOrigin {
        RequestOrigin(ip: ip, userAgent: String((request.headers[.userAgent] ?? "").prefix(500)))
    }

    // MARK: Login

    struct LoginBody: APIRequestBody {
        static let fields: Set<String> = ["identifier", "password"]
        let identifier: String
        let password: String
    }

    static let invalidCredentials = AppError(
        .unauthorized, code: "invalid_credentials",
        "The email, account number or phone, or the password, is not right. Check them and try again.")

    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await APIBody.decode(LoginBody.self, from: request)
        let outcome = try await accounts.signInForAPI(
            identifier: body.identifier, password: body.password, tenant: context.tenant,
            origin: Self.origin(request, ip: context.clientIP))
        switch outcome {
        case .signedIn(let tokens, _):
            return try APIJSON.response(tokens)
        case .invalidCredentials:
            throw Self.invalidCredentials
        case .notAllowed(let status):
            let reason = status == .suspended ? "suspended" : "locked"
            throw AppError(
                .forbidden, code: "account_\(reason)",
                "Your account is \(reason), so you cannot sign in. Please contact \(context.tenant.branding.companyName) support to restore access.")
        }
    }

    // MARK: Registration

    /// Missing name, email or password get the page's messages (422), not the decoder's.
    struct RegisterBody: APIRequestBody {
        static let fields: Set<String> = ["name", "email", "phone", "password", "account_number", "access_code"]
        let name: String?
        let email: String?
        let phone: String?
        let password: String?
        let accountNumber: String?
        let accessCode: String?
    }

    struct CheckEmail: Encodable, Sendable {
        let status = "check_email"
        let message: String
    }

    /// 202 whether the email is new or already has an account (its owner gets an email), as on
    /// the page: registration tells nobody which addresses have accounts.
    @Sendable func register(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await APIBody.decode(RegisterBody.self, from: request)
        let registration = CustomerAccounts.Registration(
            name: body.name ?? "", email: body.email ?? "", phone: body.phone ?? "", password: body.password ?? "",
            accountNumber: body.accountNumber ?? "", accessCode: body.accessCode ?? "")
        try await accounts.register(registration, tenant: context.tenant, origin: Self.origin(request, ip: context.clientIP), channel: .api)
        return try APIJSON.response(
            CheckEmail(
                message:
                    "Check your email: we sent a message to \(EmailAddress.normalize(registration.email) ?? registration.email). You can sign in with your email and password now; confirm the address from the email to receive notifications."
            ),
            status: .accepted)
    }

    // MARK: Refresh and logout

    struct RefreshBody: APIRequestBody {
        static let fields: Set<String> = ["refresh_token"]
        let refreshToken: String
    }

    @Sendable func refresh(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await APIBody.decode(RefreshBody.self, from: request)
        switch try await accounts.refreshAPITokens(body.refreshToken, tenant: context.tenant, origin: Self.origin(request, ip: context.clientIP)) {
        case .rotated(let tokens):
            return try APIJSON.response(tokens)
        case .invalid:
            throw AppError(
                .unauthorized, code: "invalid_refresh_token",
                "The refresh token is unknown, expired or revoked. Sign in again.")
        case .reused:
            throw AppError(
                .unauthorized, code: "refresh_token_reused",
                "This refresh token was already used. For your security every token of this sign-in has been revoked; sign in again.")
        }
    }

    @Sendable func logout(_ request: Request, context: SubscriberAPIContext) async throws -> Response {
        try await accounts.signOutOfAPI(
            family: context.tokenFamily, customer: context.customer, tenant: context.tenant,
            origin: Self.origin(request, ip: context.clientIP))
        return APIJSON.noContent()
    }
}
