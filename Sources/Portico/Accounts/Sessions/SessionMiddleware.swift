import Foundation
import Hummingbird
import Logging
import PorticoCrypto
import Postgres

/// Reads the session cookie and, when it names a live session of this tenant whose principal
/// may still sign in, puts it in the context. A suspended customer or deactivated staff member
/// loses the session on the next request. An unknown token is ignored (and cleared), never
/// adopted. Without a session, the anonymous CSRF token comes from (or goes into) its cookie.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = TenantRequestContext

    let pool: ConnectionPool
    let sessions: any SessionStore
    let cookies: SessionCookies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestPath = request.uri.description
        var clearCookie = false
        var parked: ParkedTransaction?
        if let token = request.cookies[cookies.sessionName]?.value, let lookup = sessions.lookup(token: token) {
            // BEGIN, the tenant setting and the session lookup (with its touch) in one round trip.
            let (begun, results) = try await pool.beginTenant(context.tenant.id, then: [lookup.sql])
            let open = begun.open
            do {
                let record = try lookup.decode(results[0])
                if let record, Self.principalMayProceed(record) {
                    context.auth = AuthState(token: token, session: record)
                    context.csrfToken = record.csrfToken
                } else {
                    if record != nil {
                        // The principal was suspended, locked or deactivated: end the session now.
                        try await sessions.revoke(token: token, in: begun.scoped)
                    }
                    clearCookie = true
                }
                if context.auth != nil && Self.sharesTransaction(request.method) {
                    parked = ParkedTransaction(open, tenantID: context.tenant.id.rawValue)
                } else {
                    try await open.commit()
                }
            } catch {
                await open.rollback()
                throw error
            }
        } else if request.cookies[cookies.sessionName]?.value.isEmpty == false {
            clearCookie = true  // not a token we could ever have issued
        }
        if context.auth == nil {
            if let anonymous = request.cookies[cookies.csrfName]?.value, anonymous.count >= 32, anonymous.count <= 64 {
                context.csrfToken = anonymous
            } else {
                let fresh = SecureRandom.token()
                context.csrfToken = fresh
                context.newAnonymousCSRFToken = fresh
            }
        }
        // Times on the page are in the tenant's zone, or a staff member's own in the console.
        let zone = context.auth?.staff != nil ? context.auth?.session.staffTimeZone.map(TenantTimeZone.zone) : nil
        // The page's first `withTenant` continues the session's transaction (see ParkedTransaction).
        var response: Response = try await DisplayDate.$current.withValue(DisplayDate(zone: zone ?? context.tenant.timeZone)) {
            if let parked {
                return try await parked.park { try await next(request, context) }
            }
            return try await next(request, context)
        }
        let handlerSetSession = response.headers[values: .setCookie].contains { $0.hasPrefix(cookies.sessionName + "=") }
        if clearCookie && !handlerSetSession {
            response.setCookie(cookies.clearSession())
        }
        // Signed out, the forms on this page carry the anonymous token: make sure the browser has it.
        if let fresh = context.newAnonymousCSRFToken, !handlerSetSession {
            response.setCookie(cookies.anonymousCSRF(fresh))
        }
        return response
    }

    /// Reads (GET, HEAD) run in the session's transaction. Writes get their own: a request body
    /// can take long to arrive, and no connection should sit in a transaction waiting for it.
    static func sharesTransaction(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head
    }

    static func principalMayProceed(_ record: SessionRecord) -> Bool {
        switch record.principalKind {
        case .customer: record.principalStatus == CustomerStatus.active.rawValue || record.principalStatus == CustomerStatus.pending.rawValue
        case .staff: record.principalStatus == StaffStatus.active.rawValue
        }
    }
}
