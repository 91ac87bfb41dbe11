import Hummingbird
import Postgres

/// Checks the subscriber access token of every request in its group and records who it
/// belongs to. A token of another tenant finds nothing here (its row is invisible under this
/// tenant's row-level security) and gets the same 401 as an unknown one.
struct SubscriberTokenAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    let pool: ConnectionPool
    let tokens: any SubscriberTokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token = try BearerCredential.from(request)
        // Reads share the token check's transaction (one BEGIN/COMMIT per request).
        let share = request.method == .get || request.method == .head
        return try await pool.withRequestTransaction(tenant: context.tenant.id, share: share) { tx in
            try await tokens.authenticate(accessToken: token, in: tx)
        } then: { subscriber in
            guard let subscriber else { throw APIAuthError.invalidToken }
            var context = context
            context.subscriber = subscriber
            return try await next(request, context)
        }
    }
}
