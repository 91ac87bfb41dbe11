import Foundation
import Hummingbird
import NIOCore
import PorticoCrypto

/// Any request on the operator host. Tenant routes do not exist here, and these do not exist
/// on tenant hosts.
public struct OperatorSiteContext: ChildRequestContext, CSRFProtectedContext {
    public var coreContext: CoreRequestContextStorage
    public let clientIP: String
    public let requestHost: String
    public var session: OperatorSession?
    public var sessionToken: String?
    public var csrfToken: String = ""
    public var newAnonymousCSRFToken: String?
    public var requestPath: String = OperatorRoutes.home.path

    public init(context: AppRequestContext) throws {
        guard case .operatorConsole = context.site else { throw AppError.notFound() }
        self.coreContext = context.coreContext
        self.clientIP = context.clientIP
        self.requestHost = context.requestHost
    }
}

/// Operator pages: a signed-in operator who passed the second factor.
public struct OperatorRequestContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let session: OperatorSession
    public let token: String
    public let csrfToken: String
    public let clientIP: String
    public let requestPath: String

    public init(context: OperatorSiteContext) throws {
        guard let session = context.session, let token = context.sessionToken else {
            throw SignInRequired(loginPath: OperatorRoutes.login.path, next: context.requestPath)
        }
        guard !session.secondFactorPending else {
            throw Redirect(to: session.totpEnabledAt == nil ? OperatorRoutes.enrol.path : OperatorRoutes.loginCode.path)
        }
        self.coreContext = context.coreContext
        self.session = session
        self.token = token
        self.csrfToken = context.csrfToken
        self.clientIP = context.clientIP
        self.requestPath = context.requestPath
    }

    func layout(title: String) -> LayoutModel {
        var layout = LayoutModel(platformTitle: title, area: "operator")
        layout.csrfToken = csrfToken
        layout.signedIn = true
        layout.userName = session.email
        layout.signOutAction = OperatorRoutes.logout.path
        let texts = L10n.texts
        layout.nav = [
            ("tenants", OperatorRoutes.home.path), ("newTenant", OperatorRoutes.newTenant.path), ("backups", OperatorRoutes.backups.path),
            ("reports", OperatorRoutes.reports.path),
        ].map { key, href in
            let label = texts("operator.nav.\(key)")
            return .init(label: label, href: href, current: title == label)
        }
        layout.offerOperatorLanguages(back: requestPath)
        return layout
    }
}

extension LayoutModel {
    /// The operator console's footer switcher: every shipped language (operators belong to no
    /// tenant), posting to `/operator/language`.
    mutating func offerOperatorLanguages(back: String) {
        let current = L10n.texts.language
        languages = Language.allCases.map { LanguageOption(code: $0.code, name: $0.nativeName, selected: $0 == current) }
        languageAction = OperatorRoutes.language.path
        languageBack = back
    }
}

/// Loads the operator session from its cookie (a different cookie from tenant sessions).
struct OperatorSessionMiddleware: RouterMiddleware {
    typealias Context = OperatorSiteContext

    let accounts: OperatorAccounts
    let cookies: SessionCookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestPath = request.uri.description
        if let token = request.cookies[cookies.operatorName]?.value, let session = try await accounts.session(token: token) {
            context.session = session
            context.sessionToken = token
            context.csrfToken = session.csrfToken
        } else if let anonymous = request.cookies[cookies.csrfName]?.value, anonymous.count >= 32, anonymous.count <= 64 {
            context.csrfToken = anonymous
        } else {
            let fresh = SecureRandom.token()
            context.csrfToken = fresh
            context.newAnonymousCSRFToken = fresh
        }
        var response = try await next(request, context)
        if let fresh = context.newAnonymousCSRFToken, response.headers[values: .setCookie].isEmpty {
            response.setCookie(cookies.anonymousCSRF(fresh))
        }
        return response
    }
}
